// The cost of per-object order: the one query each event naming an object makes before its handler
// runs (`newestHandledAfter`, on the (object_id, created) index), timed on a store of 100,000 events,
// SQLite and PostgreSQL. Objects have 5 events each, one hot object has 2,000 (a long-lived customer).
//
//   node --import tsx bench/object-history.ts [--events 100000] [--queries 2000] [--only sqlite,postgres]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { routedTypes } from '../src/routing/event-patterns.js'
import type { EventStore, NewEvent } from '../src/store/event-store.js'
import { openPostgresClient } from '../src/store/postgres-client.js'
import { createSqlEventStore } from '../src/store/sql-event-store.js'
import { openSqliteClient } from '../src/store/sqlite-client.js'
import { createScratchSchema, postgresUrl } from '../test/helpers/postgres.js'
import { median } from './lib/stats.js'

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '2000' },
    only: { type: 'string', default: 'sqlite,postgres' }
  }
})
const eventCount = Number(values.events)
const queryCount = Number(values.queries)
const hotEvents = 2_000
const perObject = 5
const t0 = 1764244800
const types = ['customer.subscription.created', 'customer.subscription.updated', 'invoice.paid', 'invoice.updated']
// As routed with customer.subscription._all.ts and invoice.paid.ts mounted.
const subscriptionHandler = routedTypes('customer.subscription.*', ['customer.subscription.*', 'invoice.paid'])

function objectOf (index: number): string {
  return index < hotEvents ? 'cus_hot' : `sub_${Math.floor((index - hotEvents) / perObject)}`
}

function eventAt (index: number): NewEvent {
  return {
    id: `evt_bench_${index}`,
    type: types[index % types.length] as string,
    account: null,
    livemode: false,
    apiVersion: null,
    created: t0 + index,
    receivedAt: Date.now(),
    objectId: objectOf(index),
    source: 'webhook',
    payload: Buffer.from(`{"id":"evt_bench_${index}"}`)
  }
}

/** Stores `eventCount` events, each settled handled as a worker settles it (claimed at insert, end recorded). */
async function fill (store: EventStore): Promise<void> {
  const now = Date.now()
  for (let start = 0; start < eventCount; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, eventCount - start) }, (_, offset) => eventAt(start + offset))
    await Promise.all(batch.map(async (event) => await store.insert(event, { status: 'processing', owner: 'bench#1', leaseExpiresAt: now + 3_600_000 })))
    await Promise.all(batch.map(async (event) => await store.finishAttempt(
      { eventId: event.id, attempt: 1, worker: 'bench#1', startedAt: now, finishedAt: now, outcome: 'handled', error: null },
      { status: 'handled' })))
  }
}

/** Microseconds per call of `query`, one after another (as a worker asks them). */
async function time (query: (n: number) => Promise<unknown>): Promise<{ median: number, p99: number }> {
  const micros: number[] = []
  for (let n = 0; n < queryCount; n++) {
    const started = process.hrtime.bigint()
    await query(n)
    micros.push(Number(process.hrtime.bigint() - started) / 1000)
  }
  micros.sort((a, b) => a - b)
  return { median: median(micros), p99: micros[Math.floor(micros.length * 0.99)] as number }
}

async function measure (name: string, store: EventStore, plan: () => Promise<string>): Promise<void> {
  await store.migrate()
  const filling = Date.now()
  await fill(store)
  console.log(`${name}: stored ${eventCount} handled events in ${((Date.now() - filling) / 1000).toFixed(1)} s; plan: ${await plan()}`)
  const newerOf = async (index: number): Promise<unknown> => {
    const event = eventAt(index)
    return await store.newestHandledAfter(event.objectId as string, event.created, subscriptionHandler)
  }
  // The floor: one round trip that reads nothing.
  const ping = await time(async () => await store.ping())
  const normal = await time(async (n) => await newerOf(hotEvents + ((n * 7919) % (eventCount - hotEvents))))
  // The hot object's oldest events: 2,000 later events of it are stored.
  const hot = await time(async (n) => await newerOf(n % 100))
  console.log(`${name}: ${queryCount} pings (SELECT 1): median ${ping.median.toFixed(0)} µs, p99 ${ping.p99.toFixed(0)} µs`)
  console.log(`${name}: ${queryCount} queries, an object with ${perObject} events: median ${normal.median.toFixed(0)} µs, p99 ${normal.p99.toFixed(0)} µs`)
  console.log(`${name}: ${queryCount} queries, an object with ${hotEvents} events: median ${hot.median.toFixed(0)} µs, p99 ${hot.p99.toFixed(0)} µs`)
}

const probe = `EXPLAIN SELECT id, type, created FROM stripe_events
  WHERE object_id = 'sub_7' AND created > ${t0} AND status = 'handled' AND type = 'customer.subscription.updated'
  ORDER BY created DESC LIMIT 1`

if (values.only.includes('sqlite')) {
  const dir = mkdtempSync(join(tmpdir(), 'object-history-bench-'))
  const client = openSqliteClient(join(dir, 'events.sqlite'))
  const store = createSqlEventStore(client)
  try {
    await measure('sqlite', store, async () => (await client.query({ sql: `${probe.replace('EXPLAIN', 'EXPLAIN QUERY PLAN')}` })).map((row) => String(row.detail)).join('; '))
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (values.only.includes('postgres')) {
  const scratch = await createScratchSchema(postgresUrl, 'router_bench')
  const client = openPostgresClient(scratch.url)
  const store = createSqlEventStore(client)
  try {
    await measure('postgres', store, async () => {
      await client.query({ sql: 'ANALYZE stripe_events' })
      return (await client.query({ sql: probe })).map((row) => String(row['QUERY PLAN']).trim()).join('; ')
    })
  } finally {
    await store.close()
    await scratch.drop()
  }
}
