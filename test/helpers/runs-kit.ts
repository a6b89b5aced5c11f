// The run-fault tests' kit: the side-effects handler's events, a look at the store from outside the
// server, and the figures every fault test prints.
import { join } from 'node:path'
import type { Test } from 'tap'
import type { EventStore } from '../../src/store/event-store.js'
import { openPostgresClient } from '../../src/store/postgres-client.js'
import { createSqlEventStore } from '../../src/store/sql-event-store.js'
import { openSqliteClient } from '../../src/store/sqlite-client.js'
import { handlerFolder, paymentIntentSucceeded } from '../helper.js'
import { handledTwice, sideEffectCounts } from './side-effects.js'

export const sideEffectsHandlers = handlerFolder('side-effects')

/** A payment_intent.succeeded whose handler appends its id to `effectsFile`, after `behaviour` (see the fixture). */
export function effectEvent (id: string, effectsFile: string, behaviour: Record<string, string> = {}): ReturnType<typeof paymentIntentSucceeded> {
  return paymentIntentSucceeded(id, { effects_file: effectsFile, ...behaviour })
}

/** The store a server process writes, opened beside it (SQLite in `dataDir`, or PostgreSQL at `url`). */
export async function storeOf (t: Test, where: { dataDir: string } | { url: string }): Promise<EventStore> {
  const store = createSqlEventStore('dataDir' in where
    ? openSqliteClient(join(where.dataDir, 'events.sqlite'))
    : openPostgresClient(where.url))
  t.teardown(() => store.close())
  return store
}

export const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** Polls `check` every 50 ms until it returns true; false if `timeoutMs` passes first. */
export async function waitFor (check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(50)
  }
  return await check()
}

/** True once none of `ids` is pending or being handled. */
export async function allSettled (store: EventStore, ids: readonly string[]): Promise<boolean> {
  const events = await store.list({ ids, limit: ids.length + 1 })
  return events.length === ids.length && events.every((event) => event.status !== 'pending' && event.status !== 'processing')
}

export interface Figures {
  sent: number
  acknowledged: number
  answers: Record<string, number>
  recovery?: string
}

/**
 * Prints the fault's figures (sent, 2xx, stored, handled, handled twice, lost, answers seen,
 * recovery) from the store and from the side-effects file, and returns the side-effect counts.
 */
export async function reportFigures (t: Test, store: EventStore, ids: readonly string[], effectsFile: string, figures: Figures): Promise<Map<string, number>> {
  const events = await store.list({ ids, limit: ids.length + 1 })
  const effects = sideEffectCounts(effectsFile)
  const handled = events.filter((event) => event.status === 'handled').length
  const lost = ids.filter((id) => !events.some((event) => event.id === id)).length
  t.comment(`sent ${figures.sent}, 2xx ${figures.acknowledged}, stored ${events.length}, handled ${handled} ` +
    `(side effects: ${effects.size} events), handled twice ${handledTwice(effects).length}, lost ${lost}, ` +
    `answers ${JSON.stringify(figures.answers)}${figures.recovery === undefined ? '' : `, recovery ${figures.recovery}`}`)
  return effects
}

/** Counts an answer (a status or 'no answer') into `answers`. */
export function countAnswer (answers: Record<string, number>, answer: number | string): void {
  answers[String(answer)] = (answers[String(answer)] ?? 0) + 1
}
