// A shared database that is down when the service starts must not stop it starting: the service
// listens unready, refuses deliveries with 503, and keeps opening (and migrating) the store with
// back-off until it can; then it turns ready and its workers start.
import type { FastifyBaseLogger } from 'fastify'
import { StoreUnavailableError } from '../errors.js'
import { describeStoreError, type HealthTrackedStore } from './store-health.js'

export interface StoreOpening {
  /** The store as the service uses it: every operation throws StoreUnavailableError until it is open. */
  readonly store: HealthTrackedStore
  /** Null once the store is open; why it is not yet, otherwise (`ECONNREFUSED: connect ...`). */
  readonly notOpenBecause: () => string | null
  /** Stops retrying; an attempt under way is left to fail on its own and opens nothing. */
  readonly stop: () => void
}

export interface OpeningOptions {
  /** Where the store is, for the log, with any password hidden. */
  target: string
  log: FastifyBaseLogger
  /** Called once, when the store opens after the first attempt failed. */
  onOpen: () => void
  /** The first wait, in milliseconds; doubled after each failure up to `maxDelayMs`. */
  firstDelayMs?: number
  maxDelayMs?: number
}

const sleep = async (ms: number, timers: Set<NodeJS.Timeout>): Promise<void> => {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => { timers.delete(timer); resolve() }, ms)
    timers.add(timer)
  })
}

/**
 * Migrates `store` (which opens it); when that fails, keeps trying in the background with back-off.
 * Resolves after the first attempt, open or not. Operations other than `migrate` and `close` throw
 * StoreUnavailableError while it is not open, so a delivery gets 503 and readiness says why.
 */
export async function openWithBackOff (store: HealthTrackedStore, options: OpeningOptions): Promise<StoreOpening> {
  const { log, target } = options
  const maxDelayMs = options.maxDelayMs ?? 30_000
  let notOpenBecause: string | null = null
  let stopped = false
  const timers = new Set<NodeJS.Timeout>()

  async function attempt (): Promise<boolean> {
    try {
      await store.migrate()
      return true
    } catch (error) {
      notOpenBecause = describeStoreError((error as Error).cause ?? error)
      return false
    }
  }

  async function retry (): Promise<void> {
    const since = Date.now()
    let delayMs = options.firstDelayMs ?? 500
    for (let attempts = 2; ; attempts++) {
      await sleep(delayMs, timers)
      if (stopped) return
      const opened = await attempt()
      if (stopped) return
      if (opened) {
        notOpenBecause = null
        log.info({ database: target, attempts, afterMs: Date.now() - since }, `Event store open at ${target} after ${attempts} attempts; the service is ready`)
        options.onOpen()
        return
      }
      delayMs = Math.min(delayMs * 2, maxDelayMs)
      log.warn({ database: target, cause: notOpenBecause, attempts, retryInMs: delayMs },
        `Still cannot open the event store at ${target} (${notOpenBecause}); retrying in ${delayMs / 1000} s`)
    }
  }

  if (!(await attempt())) {
    log.error({ database: target, cause: notOpenBecause },
      `Cannot open the event store at ${target} (${notOpenBecause}): the service stays up, unready, refuses deliveries with 503 and keeps retrying`)
    void retry()
  }

  return {
    store: gateUntilOpen(store, () => notOpenBecause),
    notOpenBecause: () => notOpenBecause,
    stop: () => {
      stopped = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
    }
  }
}

const ungated = new Set(['kind', 'migrate', 'close', 'writeFailure'])

function gateUntilOpen (store: HealthTrackedStore, notOpenBecause: () => string | null): HealthTrackedStore {
  const gated: Record<string, unknown> = { ...store }
  for (const [name, operation] of Object.entries(store)) {
    if (ungated.has(name) || typeof operation !== 'function') continue
    gated[name] = async (...args: unknown[]) => {
      const reason = notOpenBecause()
      if (reason !== null) {
        const error = new StoreUnavailableError(`not open yet: ${reason}`)
        error.cause = new Error(`not open yet: ${reason}`)
        throw error
      }
      return await (operation as (...args: unknown[]) => Promise<unknown>)(...args)
    }
  }
  return gated as unknown as HealthTrackedStore
}
