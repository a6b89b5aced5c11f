// One attempt at one stored event: run its handler under its lease and its deadline, record the
// attempt, and say where the event goes next. Shared by the inline path and the queue's workers, so
// both follow the same rules: every run ends (HANDLER_TIMEOUT_MS), only the newest claim settles the
// event, and a known end is recorded, retried until the store answers, never silently dropped.
import type { AsyncLocalStorage } from 'node:async_hooks'
import type { FastifyBaseLogger } from 'fastify'
import type { StripeHandlers } from '../routing/handler-router.js'
import type { Attempt, AttemptOutcome, AttemptResult, EventStore, StoredEvent } from '../store/event-store.js'
import type { AttemptObserver } from './attempt-observer.js'
import type { LeaseKeeper, LeasedRun } from './lease-keeper.js'
import type { LinkedSet } from './linked-set.js'
import { storeErrorFields } from '../store/store-health.js'
import { retryDelayMs, type RetryPolicy } from './retry-delay.js'
import { HandlerTimeoutError, LazyAbortController, LeaseLostError, RunReleasedError } from './run-aborts.js'
import type { RoutedEvent } from '../delivery/routed-event.js'
import { UnreadablePayloadError } from './unreadable-payload.js'

/** One run of a handler in this instance, from its start until its end is recorded (or given up). */
export interface Run extends LeasedRun {
  readonly type: string
  readonly startedAt: number
  /** Its signal is the handler's `context.signal` (made when the handler reads it); its reason, once aborted, is the run's error. */
  readonly controller: LazyAbortController
}

export interface AttemptContext {
  store: EventStore
  handlers: StripeHandlers
  owner: string
  /** A new lease token for a claim: unique to this instance and this claim. */
  nextLease: () => string
  leaseMs: number
  /** How long one run may take, in milliseconds. */
  handlerTimeoutMs: number
  /** Queued: failures are retried with backoff up to maxAttempts, then marked failed. Inline: marked failed at once, for Stripe to redeliver. */
  retry: RetryPolicy | null
  leases: LeaseKeeper
  /** This instance's runs not yet ended: a re-claim of one's event adopts its new lease instead of running it again. */
  runs: LinkedSet<Run>
  /**
   * Events whose run here succeeded after a newer claim had taken them (ms since the epoch of the
   * end), added before the run leaves `runs`: a claim of one of them from a batch that committed
   * before that end's (PostgreSQL commits batches concurrently) must not run it again. See succeededHereLately.
   */
  succeededUnsettled: LinkedSet<{ eventId: string, at: number }>
  /** The run each handler callback belongs to, so that an error thrown from a handler's own timer finds its event. */
  runScope: AsyncLocalStorage<Run>
  /** Aborted when the instance stops past its grace: an end that cannot be recorded by then is given up. */
  pastGrace: AbortSignal
  /** Told of every run's end and of every run fault. */
  observer: AttemptObserver
}

export interface AttemptReport {
  /** Where the run left the event; null when it did not run to a recorded end (released, or its lease expired before it started). */
  result: AttemptResult | null
  /** The handler's error (or why its run was cut short), when it failed. */
  error?: unknown
}

/** This instance's newest run of `eventId` not yet ended (running, or recording its end), if any. */
export function runHereOf (context: AttemptContext, eventId: string): Run | undefined {
  return context.runs.findLast((run) => run.eventId === eventId)
}

/**
 * Whether a run of `eventId` here succeeded under a claim a newer one had taken, within the last
 * lease; forgets older entries as it looks.
 */
export function succeededHereLately (context: AttemptContext, eventId: string): boolean {
  if (context.succeededUnsettled.size === 0) return false
  const since = Date.now() - context.leaseMs
  for (const entry of context.succeededUnsettled.entries()) {
    if (entry.value.at < since) context.succeededUnsettled.delete(entry)
    else if (entry.value.eventId === eventId) return true
  }
  return false
}

function describeError (error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

function nextStep (event: StoredEvent, error: unknown, retry: RetryPolicy | null, now: number): AttemptResult {
  const described = describeError(error)
  // The budget is the attempts since the last requeue (a replay or a redelivery); numbers go on from before it.
  const attemptsSinceRequeue = event.attempts - event.attemptsAtRequeue
  if (retry === null || attemptsSinceRequeue >= retry.maxAttempts) return { status: 'failed', error: described }
  return { status: 'pending', error: described, nextAttemptAt: now + retryDelayMs(attemptsSinceRequeue, retry) }
}

/** Waits `ms`, or less if `signal` aborts first. */
async function pause (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done (): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}

const recordRetryMs = { first: 100, max: 5_000 }

/**
 * Records the run's end, retrying with back-off while the store refuses (the lease is kept renewed
 * meanwhile), until it answers or the instance stops past its grace. True when the run's claim
 * settled the event, false when a newer claim had taken it (or recording was given up).
 */
async function recordEnd (context: AttemptContext, run: Run, attempt: Attempt, result: AttemptResult, log: FastifyBaseLogger): Promise<boolean> {
  const ids = { eventId: run.eventId, eventType: run.type }
  for (let failures = 0; ; failures++) {
    try {
      const lease = run.lease
      const held = await context.store.finishAttempt(attempt, result, lease)
      // Re-claimed by this instance while the end was on its way: settle under the newer claim.
      if (!held && run.lease !== lease) continue
      if (failures > 0) log.info({ ...ids, failures }, 'Recorded the end of a run once the store answered again')
      return held
    } catch (error) {
      if (context.pastGrace.aborted) {
        if (result.status === 'handled') {
          context.observer.countRunFault(run.type, 'suspected_duplicate')
          log.error({ ...ids, ...storeErrorFields(error) }, 'Suspected duplicate: the handler succeeded but the instance stopped before the store recorded it; the event will run again')
        } else {
          log.error({ ...ids, ...storeErrorFields(error) }, 'The instance stopped before the store recorded the end of a run; the event will run again')
        }
        return false
      }
      if (failures === 0) log.warn({ ...ids, ...storeErrorFields(error) }, 'Could not record the end of a run; keeping its lease and retrying until the store answers')
      await pause(Math.min(recordRetryMs.max, recordRetryMs.first * 2 ** Math.min(failures, 16)), context.pastGrace)
    }
  }
}

/**
 * Runs the handler until it settles or the run's signal aborts (timeout, lost lease, stop, an uncaught
 * error of its own); `cleanUp` is to be called once it has. One timer per run: the halfway warning's,
 * which arms the deadline's only for a run that outlives it (most end long before).
 */
function runHandler (context: AttemptContext, run: Run, parsed: RoutedEvent, log: FastifyBaseLogger): { outcome: Promise<AttemptResult['status']>, cleanUp: () => void } {
  const timeoutMs = context.handlerTimeoutMs
  let timer = setTimeout(() => {
    context.observer.countRunFault(run.type, 'slow')
    log.warn({ eventId: run.eventId, eventType: run.type, elapsedMs: Date.now() - run.startedAt, timeoutMs }, `Handler for ${run.type} has run for over half of HANDLER_TIMEOUT_MS`)
    timer = setTimeout(() => {
      context.observer.countRunFault(run.type, 'timed_out')
      run.controller.abort(new HandlerTimeoutError(timeoutMs))
    }, run.startedAt + timeoutMs - Date.now())
  }, timeoutMs / 2)
  // The store tells the handler whether a later event of the same object was handled already.
  // Called inside the run scope: every callback and promise the handler makes belongs to this run.
  const handled = context.runScope.run(run, () => context.handlers.dispatch(parsed, log, () => run.controller.signal, context.store.newestHandledAfter))
  return { outcome: run.controller.settleFirst(handled), cleanUp: () => { clearTimeout(timer) } }
}

/**
 * Runs `event`'s handler once under the claim it was stored or claimed with, and records the attempt.
 * `parsed` is an UnreadablePayloadError when the stored payload does not parse: the attempt is then
 * recorded failed, not retried, without running the handler.
 * `onHandlerEnd` is called once the handler has settled (or was cut short), before its end is
 * recorded: the queue frees the run's slot then, not after the store's commit.
 */
export async function runAttempt (
  context: AttemptContext,
  event: StoredEvent,
  parsed: RoutedEvent | UnreadablePayloadError,
  log: FastifyBaseLogger,
  onHandlerEnd?: () => void
): Promise<AttemptReport> {
  const startedAt = Date.now()
  const ids = { eventId: event.id, eventType: event.type }
  // A claim made before the event loop stalled (a handler blocking it), or one that waited in memory
  // for a slot, may have expired by now: another worker may hold the event already, so this one
  // must not start it. Unless no other claim took it and no run of it succeeded meanwhile: then
  // renewing makes the lease valid again. Renewed too when less than two thirds of it are left: the
  // lease keeper's first renewal comes a third to a half of a lease after the start, and the lease
  // must last until then.
  if (event.leaseExpiresAt !== null && event.leaseExpiresAt - startedAt < context.leaseMs * 2 / 3) {
    const renewed = await context.store.renewLease(event.id, event.leaseOwner ?? '', startedAt + context.leaseMs).catch(() => false)
    if (!renewed) {
      log.warn(ids, 'The lease on a claimed event ran low or expired before its run started, and renewing it failed: another claim took it or a run of it succeeded meanwhile; not running it')
      return { result: null }
    }
    // The instance stopped past its grace while the renewal was on its way: its runs were aborted
    // and its leases are being given back, so this one must not start now.
    if (context.pastGrace.aborted) return { result: null }
  }
  const controller = new LazyAbortController()
  const run: Run = {
    eventId: event.id,
    type: event.type,
    lease: event.leaseOwner ?? '',
    startedAt,
    controller,
    leaseLost: () => {
      context.observer.countRunFault(event.type, 'lease_lost')
      controller.abort(new LeaseLostError())
    }
  }
  const listed = context.runs.add(run)
  const releaseLease = context.leases.hold(run)
  try {
    let result: AttemptResult
    let error: unknown
    if (parsed instanceof UnreadablePayloadError) {
      // Not retried: the same stored bytes would fail the same way.
      error = parsed
      result = { status: 'failed', error: describeError(parsed) }
    } else {
      const { outcome: ended, cleanUp } = runHandler(context, run, parsed, log)
      try {
        result = { status: await ended as 'handled' | 'unhandled' | 'superseded' }
      } catch (thrown) {
        if (thrown instanceof RunReleasedError) return { result: null, error: thrown }
        error = thrown
        result = nextStep(event, thrown, context.retry, Date.now())
      } finally {
        cleanUp()
      }
    }
    // Read first: the slot freed below may start the next run at once, and its time is not this run's.
    const finishedAt = Date.now()
    onHandlerEnd?.()
    const outcome: AttemptOutcome = result.status === 'pending' || result.status === 'failed' ? 'failed' : result.status
    context.observer.observeAttempt(event.type, outcome, (finishedAt - startedAt) / 1000)
    const attempt = { eventId: event.id, attempt: event.attempts, worker: event.leaseOwner ?? '', startedAt, finishedAt, outcome, error: 'error' in result ? result.error : null }
    const held = await recordEnd(context, run, attempt, result, log)
    if (!held && !context.pastGrace.aborted) log.warn(ids, 'The event\'s lease was lost while its handler ran; this run was recorded in its history but a newer claim settles the event')
    // Succeeded, but a newer claim had taken the event: its success is in the history, and the
    // event must not run here again (see succeededHereLately).
    if (!held && result.status === 'handled') context.succeededUnsettled.add({ eventId: event.id, at: Date.now() })
    return { result, error }
  } finally {
    releaseLease()
    context.runs.delete(listed)
  }
}
