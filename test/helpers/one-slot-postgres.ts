// The stuck-end tests' app: the side-effects handler on a PostgreSQL schema of the test's own, one
// handler slot and a 300 ms HANDLER_TIMEOUT_MS, so that readiness turns within a test's time.
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { buildApp, temporaryDir } from '../helper.js'
import { freshPostgresSchema } from './postgres.js'
import { sideEffectsHandlers, waitFor } from './runs-kit.js'

export interface OneSlotPostgresApp {
  url: string
  app: FastifyInstance
  /** Where the handler appends each run's event id. */
  effectsFile: string
}

/** The app, or null (the test marked skipped) when no PostgreSQL answers. */
export async function oneSlotPostgresApp (t: Test): Promise<OneSlotPostgresApp | null> {
  const url = await freshPostgresSchema(t)
  if (url === null) return null
  const effectsFile = join(temporaryDir(t), 'effects')
  const { app } = await buildApp(t, {
    env: { DATABASE_URL: url, WORKER_CONCURRENCY: '1', HANDLER_TIMEOUT_MS: '300', POLL_INTERVAL_MS: '50' },
    handlersDir: sideEffectsHandlers
  })
  return { url, app, effectsFile }
}

/** The body of the first 503 from /readyz within `timeoutMs`, parsed; undefined if it stayed ready. */
export async function firstUnreadyBody (app: FastifyInstance, timeoutMs = 3000): Promise<Record<string, unknown> | undefined> {
  let body: Record<string, unknown> | undefined
  await waitFor(async () => {
    const readyz = await app.inject({ method: 'GET', url: '/readyz' })
    if (readyz.statusCode === 503) body = readyz.json()
    return body !== undefined
  }, timeoutMs)
  return body
}
