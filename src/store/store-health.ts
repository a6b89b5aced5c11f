// Whether the store takes writes, learnt from the writes themselves: one that fails makes the store
// unavailable until one succeeds (a delivery's, a worker's, or the readiness check's probe). Every
// error a store operation raises reaches its caller as StoreUnavailableError, whose message names
// the cause in a few words (never a connection string or a stack), so a delivery gets a 503 and
// Stripe retries it.
import { StoreUnavailableError } from '../errors.js'
import { redactCredentials } from '../logging/redact-credentials.js'
import type { EventStore } from './event-store.js'
import { promiseTry } from '../promise-try.js'

export interface WriteFailure {
  /** The last failed write's cause, e.g. `SQLITE_BUSY: database is locked`. */
  reason: string
  /** When writes started failing, in milliseconds since the epoch. */
  since: number
}

export interface HealthTrackedStore extends EventStore {
  /** Null while writes succeed; the failure otherwise. */
  readonly writeFailure: () => WriteFailure | null
}

/** `CODE: message` of a driver error, with any password in a URL (or other credential) hidden. */
export function describeStoreError (error: unknown): string {
  const { code, message } = error as { code?: unknown, message?: unknown }
  const text = typeof message === 'string' && message !== '' ? message : String(error)
  const described = typeof code === 'string' && !text.startsWith(code) ? `${code}: ${text}` : text
  return redactCredentials(described)
}

/**
 * The log fields for an error met while using the store: a store that is down (StoreUnavailableError)
 * is a condition, not a bug, so its line gets `reason` (code and message, no stack); anything else
 * keeps `err`, with its stack.
 */
export function storeErrorFields (error: unknown): { reason: string } | { err: unknown } {
  if (error instanceof StoreUnavailableError) return { reason: describeStoreError(error.cause ?? error) }
  return { err: error }
}

const writes = ['migrate', 'insert', 'claim', 'redeliver', 'recordDelivery', 'claimDue', 'failAbandoned', 'settleSucceeded', 'renewLease', 'finishAttempt', 'releaseLeases', 'requeue', 'prune', 'probeWrite', 'claimReconcileSweep', 'finishReconcileSweep'] as const
const reads = ['exists', 'get', 'attempts', 'deliveries', 'list', 'newestHandledAfter', 'countPrunable', 'countByStatus', 'oldestUnsettledReceivedAt', 'ping'] as const

type Operation = (...args: never[]) => Promise<unknown>

// A write that found nothing to change (a claim of an empty queue, a duplicate insert) wrote nothing:
// SQLite commits it without touching the disk, so on a full or read-only disk it still succeeds and
// proves nothing about whether writes work again.
const wroteNothing = (result: unknown): boolean =>
  result === false || result === null || result === 0 || (Array.isArray(result) && result.length === 0)

export function trackStoreHealth (store: EventStore): HealthTrackedStore {
  let failure: WriteFailure | null = null

  function unavailable (error: unknown): never {
    if (error instanceof StoreUnavailableError) throw error
    const wrapped = new StoreUnavailableError(describeStoreError(error))
    wrapped.cause = error
    throw wrapped
  }

  // A then, not an async wrapper: three store calls per event, and each promise (with the run scope's
  // async hooks on) showed on the hot path.
  function guarded<F extends Operation> (operation: F, isWrite: boolean): F {
    const succeeded = (result: unknown): unknown => {
      if (isWrite && !wroteNothing(result)) failure = null
      return result
    }
    const failed = (error: unknown): never => {
      if (isWrite) failure = { reason: describeStoreError(error), since: failure?.since ?? Date.now() }
      return unavailable(error)
    }
    return ((...args: Parameters<F>) => promiseTry(() => operation(...args)).then(succeeded, failed)) as F
  }

  const tracked: Record<string, unknown> = { ...store, writeFailure: () => failure }
  for (const name of writes) tracked[name] = guarded(store[name] as Operation, true)
  for (const name of reads) tracked[name] = guarded(store[name] as Operation, false)
  return tracked as unknown as HealthTrackedStore
}
