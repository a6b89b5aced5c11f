// One attempt at one stored event: run its handler, record the attempt, and say where the event
// goes next. Shared by the inline path and the queue's workers, so both follow the same rules.
import type { FastifyBaseLogger } from 'fastify'
import type { StripeHandlers } from '../../plugins/stripe-handlers.js'
import type { AttemptResult, EventStore, StoredEvent } from '../store/event-store.js'
import type { LeaseKeeper } from './lease-keeper.js'
import { retryDelayMs, type RetryPolicy } from './retry-delay.js'
import type { RoutedEvent } from '../routed-event.js'

export interface AttemptContext {
  store: EventStore
  handlers: StripeHandlers
  owner: string
  leaseMs: number
  /** Queued: failures are retried with backoff up to maxAttempts, then marked failed. Inline: marked failed at once, for Stripe to redeliver. */
  retry: RetryPolicy | null
  leases: LeaseKeeper
  observeAttempt?: (type: string, outcome: string, seconds: number) => void
}

export interface AttemptReport {
  result: AttemptResult
  /** The handler's error, when it threw. */
  error?: unknown
}

function describeError (error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

function nextStep (event: StoredEvent, error: unknown, retry: RetryPolicy | null, now: number): AttemptResult {
  const described = describeError(error)
  if (retry === null || event.attempts >= retry.maxAttempts) return { status: 'failed', error: described }
  return { status: 'pending', error: described, nextAttemptAt: now + retryDelayMs(event.attempts, retry) }
}

export async function runAttempt (
  context: AttemptContext,
  event: StoredEvent,
  parsed: RoutedEvent,
  log: FastifyBaseLogger
): Promise<AttemptReport> {
  const startedAt = Date.now()
  const releaseLease = context.leases.hold(event.id)
  let report: AttemptReport
  try {
    const outcome = await context.handlers.dispatch(parsed, log)
    report = { result: { status: outcome } }
  } catch (error) {
    report = { result: nextStep(event, error, context.retry, Date.now()), error }
  } finally {
    releaseLease()
  }
  const finishedAt = Date.now()
  const status = report.result.status
  context.observeAttempt?.(event.type, status === 'handled' || status === 'unhandled' ? status : 'failed', (finishedAt - startedAt) / 1000)
  const held = await context.store.finishAttempt({
    eventId: event.id,
    attempt: event.attempts,
    worker: context.owner,
    startedAt,
    finishedAt,
    outcome: status === 'handled' || status === 'unhandled' ? status : 'failed',
    error: 'error' in report.result ? report.result.error : null
  }, report.result)
  if (!held) log.warn({ eventId: event.id }, 'The event\'s lease expired while its handler ran; another worker may have run it too')
  return report
}
