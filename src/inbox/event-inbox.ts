// The durable inbox: every verified event is stored before Stripe gets its answer, and its handler
// runs once per event id, in the background (queued) or before the answer (inline).
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyBaseLogger } from 'fastify'
import type { StripeHandlers } from '../routing/handler-router.js'
import { EventInProgressError, HandlerFailedError } from '../errors.js'
import { leaseToken, type DeliveryKind, type NewEvent, type StoredEvent } from '../store/event-store.js'
import { storeErrorFields, type HealthTrackedStore } from '../store/store-health.js'
import type { RetryPolicy } from './retry-delay.js'
import { createLeaseKeeper } from './lease-keeper.js'
import { isIdConflict, isRequeueable } from './repeat-delivery.js'
import { runAttempt, type AttemptContext, type Run } from './run-attempt.js'
import type { AttemptObserver } from './attempt-observer.js'
import { startEventWorker, type EventWorker, type WorkerOptions } from './event-worker.js'
import type { RoutedEvent } from '../delivery/routed-event.js'
import { toNewEvent } from './new-event.js'

/**
 * What the inbox did with a delivery. `requeued`: a redelivery of an event that failed, or was stored
 * unhandled before its handler existed, is run again (queued, or run before the answer inline).
 * `conflict`: its id is stored with another type or object; kept for inspection, not run.
 * `superseded` (inline): settled without running, its skipSuperseded handler having handled a later event of its object.
 */
export type ReceiveOutcome = 'queued' | 'handled' | 'unhandled' | 'superseded' | 'duplicate' | 'ignored' | 'requeued' | 'conflict'

export type LivemodeGuard = 'any' | 'live' | 'test'

/** Whether a deployment that takes `guard` events handles this one. */
export function takesLivemode (guard: LivemodeGuard, livemode: boolean): boolean {
  return guard === 'any' || (guard === 'live') === livemode
}

// Info, not warn: a Connect platform's live deployment receives its test-mode events as a matter of
// course. The webhook route counts them (stripe_webhook_events_ignored_total).
function logIgnored (event: RoutedEvent, guard: LivemodeGuard, log: FastifyBaseLogger): void {
  log.info({ eventId: event.id, eventType: event.type, livemode: event.livemode },
    `Ignored a ${event.livemode ? 'live' : 'test'}-mode event: LIVEMODE=${guard} handles only ${guard}-mode events`)
}

export interface EventInbox {
  /** Takes one verified delivery; throws HandlerFailedError or EventInProgressError in inline mode. */
  receive: (event: RoutedEvent, payload: Buffer, log: FastifyBaseLogger) => Promise<ReceiveOutcome>
  /** Resolves when every stored event is settled: for tests in queued mode. */
  drain: (timeoutMs?: number) => Promise<void>
  /**
   * Stops the workers, letting running handlers finish within `graceMs`. After `stoppingAfterError`
   * the runs cut short count as failed attempts; after a clean stop they are released uncounted.
   */
  stop: (graceMs: number) => Promise<void>
  /**
   * Called synchronously from an `uncaughtException` or `unhandledRejection` listener, before the
   * stop: when the error came from a handler's own callback, logs it with the event id and fails
   * that run with it (recorded as its attempt's error). Returns the event id, or null when the error
   * belongs to no run. Either way the coming stop is error-triggered.
   */
  stoppingAfterError: (error: unknown) => string | null
  /** Since when every handler slot has been busy (ms since the epoch); null while one is free or without workers. */
  saturatedSince: () => number | null
  readonly store: HealthTrackedStore | null
}

/** What every inbox, stored or storeless, is given: the events it handles, and who watches its runs. */
export interface GuardAndObserver {
  livemode: LivemodeGuard
  /** Told of every handler run's end, and of every run fault. */
  observer: AttemptObserver
}

export interface InboxOptions extends WorkerOptions, GuardAndObserver {
  mode: 'queued' | 'inline'
  leaseMs: number
  /** How long one handler run may take, in milliseconds (HANDLER_TIMEOUT_MS). */
  handlerTimeoutMs: number
  retry: RetryPolicy
}

/** Without a store: handlers run inline, with no deduplication and no retries but Stripe's. */
export function createDirectInbox (handlers: StripeHandlers, { livemode, observer }: GuardAndObserver): EventInbox {
  return {
    receive: async (event, _payload, log) => {
      if (!takesLivemode(livemode, event.livemode)) {
        logIgnored(event, livemode, log)
        return 'ignored'
      }
      const startedAt = performance.now()
      try {
        const outcome = await handlers.dispatch(event, log)
        observer.observeAttempt(event.type, outcome, (performance.now() - startedAt) / 1000)
        return outcome
      } catch (error) {
        observer.observeAttempt(event.type, 'failed', (performance.now() - startedAt) / 1000)
        log.error({ err: error, eventId: event.id, eventType: event.type }, `Handler for ${event.type} failed`)
        throw new HandlerFailedError(event.type)
      }
    },
    drain: async () => {},
    stop: async () => {},
    stoppingAfterError: () => null,
    saturatedSince: () => null,
    store: null
  }
}

export function createStoredInbox (
  store: HealthTrackedStore,
  handlers: StripeHandlers,
  options: InboxOptions,
  log: FastifyBaseLogger
): EventInbox {
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  // Every claim's lease token is unique: the instance and a count of its claims.
  let claims = 0
  const nextLease = (): string => leaseToken(owner, ++claims)
  const pastGrace = new AbortController()
  const runScope = new AsyncLocalStorage<Run>()
  const context: AttemptContext = {
    store,
    handlers,
    owner,
    nextLease,
    leaseMs: options.leaseMs,
    handlerTimeoutMs: options.handlerTimeoutMs,
    retry: options.mode === 'queued' ? options.retry : null,
    leases: createLeaseKeeper(store, options.leaseMs, log),
    runs: new Map(),
    runScope,
    pastGrace: pastGrace.signal,
    observer: options.observer
  }
  const worker: EventWorker = startEventWorker(context, { ...options, onPastGrace: () => pastGrace.abort() }, log)
  let afterError = false

  // Stored, and settled at once: no handler will run for it (LIVEMODE guard, or no handler for its type).
  async function storeSettled (newEvent: NewEvent, event: RoutedEvent, status: 'ignored' | 'unhandled', eventLog: FastifyBaseLogger, logIt: () => void): Promise<ReceiveOutcome> {
    if (!(await store.insert(newEvent, { status }))) return await receiveAgain(newEvent, event, eventLog, status === 'unhandled')
    logIt()
    return status
  }

  // With a free slot, the event is stored (or requeued) already claimed by this instance and handled
  // straight from memory; without one, it is left pending for whichever worker frees up first, here or
  // elsewhere. False when nothing was stored.
  async function queue (event: RoutedEvent, storePending: () => Promise<boolean>, storeClaimed: () => Promise<StoredEvent | null>): Promise<boolean> {
    if (!worker.reserveSlot()) {
      if (!(await storePending())) return false
      worker.wake()
      return true
    }
    let claimed: StoredEvent | null
    try {
      claimed = await storeClaimed()
    } catch (error) {
      worker.releaseSlot()
      throw error
    }
    if (claimed === null) {
      worker.releaseSlot()
      return false
    }
    worker.runReserved(claimed, event)
    return true
  }

  async function receiveQueued (newEvent: NewEvent, event: RoutedEvent, eventLog: FastifyBaseLogger): Promise<ReceiveOutcome> {
    const stored = await queue(event,
      async () => await store.insert(newEvent, { status: 'pending' }),
      async () => await insertClaimed(newEvent))
    return stored ? 'queued' : await receiveAgain(newEvent, event, eventLog, true)
  }

  /** A new lease, from now: claims made at insert or at a redelivery. */
  function newClaim (): { owner: string, leaseExpiresAt: number } {
    return { owner: nextLease(), leaseExpiresAt: Date.now() + options.leaseMs }
  }

  async function insertClaimed (newEvent: NewEvent): Promise<StoredEvent | null> {
    const { owner: lease, leaseExpiresAt } = newClaim()
    if (!(await store.insert(newEvent, { status: 'processing', owner: lease, leaseExpiresAt }))) return null
    return { ...newEvent, status: 'processing', attempts: 1, attemptsAtRequeue: 0, lastError: null, nextAttemptAt: leaseExpiresAt, leaseOwner: lease, leaseExpiresAt, handledAt: null }
  }

  // Claimed at insert, so that no worker can take it between the insert and the handler.
  async function receiveInline (newEvent: NewEvent, event: RoutedEvent, eventLog: FastifyBaseLogger): Promise<ReceiveOutcome> {
    const inserted = await insertClaimed(newEvent)
    if (inserted === null) return await receiveAgain(newEvent, event, eventLog, true)
    return await runInline(inserted, event, eventLog)
  }

  /** Runs a claimed event before the answer: handled or superseded; throws HandlerFailedError when it did not succeed. */
  async function runInline (claimed: StoredEvent, event: RoutedEvent, eventLog: FastifyBaseLogger): Promise<'handled' | 'superseded'> {
    const { result, error } = await runAttempt(context, claimed, event, eventLog)
    if (result === null || result.status === 'failed') {
      eventLog.error({ ...storeErrorFields(error), eventId: event.id, eventType: event.type }, `Handler for ${event.type} failed`)
      throw new HandlerFailedError(event.type)
    }
    return result.status === 'superseded' ? 'superseded' : 'handled'
  }

  async function recordDelivery (newEvent: NewEvent, kind: DeliveryKind): Promise<void> {
    await store.recordDelivery({
      eventId: newEvent.id,
      receivedAt: newEvent.receivedAt,
      kind,
      type: newEvent.type,
      objectId: newEvent.objectId,
      payload: kind === 'conflict' ? newEvent.payload : null
    })
  }

  // A delivery of an id stored already (Stripe's retry or resend, or another event reusing the id),
  // recorded whatever it turns out to be. Only here is the stored event read: a first delivery never is.
  // `mayRun`: false for a delivery the LIVEMODE guard turns away.
  async function receiveAgain (newEvent: NewEvent, event: RoutedEvent, eventLog: FastifyBaseLogger, mayRun: boolean): Promise<ReceiveOutcome> {
    const stored = await store.get(newEvent.id)
    // Pruned since the insert found it: nothing left to compare with, or to record against.
    if (stored === null) return 'duplicate'
    if (isIdConflict(stored, newEvent)) {
      await recordDelivery(newEvent, 'conflict')
      eventLog.warn({
        eventId: newEvent.id,
        storedType: stored.type,
        deliveredType: newEvent.type,
        storedObjectId: stored.objectId,
        deliveredObjectId: newEvent.objectId
      }, 'Event id conflict: a delivery reuses a stored event\'s id for another type or object; its body is kept with the event\'s deliveries and no handler runs')
      return 'conflict'
    }
    if (mayRun && isRequeueable(stored, handlers.has(stored.type))) {
      const requeued = await requeueRedelivery(newEvent, event, eventLog, stored)
      if (requeued !== null) return requeued
    }
    await recordDelivery(newEvent, 'duplicate')
    const runsHere = options.mode === 'inline' && mayRun && handlers.has(newEvent.type)
    return runsHere ? await receiveDuplicateInline(newEvent, event, eventLog) : 'duplicate'
  }

  // Null when another delivery (on this replica or another) requeued it first: then it is a duplicate.
  async function requeueRedelivery (newEvent: NewEvent, event: RoutedEvent, eventLog: FastifyBaseLogger, stored: StoredEvent): Promise<ReceiveOutcome | null> {
    const redeliver = async (claim: boolean): Promise<StoredEvent | null> => await store.redeliver(newEvent.id, {
      type: newEvent.type,
      requeueUnhandled: handlers.has(newEvent.type),
      now: Date.now(),
      claim: claim ? newClaim() : undefined
    })
    const logRequeued = async (): Promise<void> => {
      await recordDelivery(newEvent, 'redelivery')
      eventLog.info({ eventId: newEvent.id, eventType: newEvent.type, previousStatus: stored.status, attempts: stored.attempts },
        `Redelivery of ${stored.status === 'failed' ? 'a failed' : 'an unhandled'} event re-queued: its handler runs, with a fresh budget of attempts`)
    }
    if (options.mode === 'queued') {
      if (!(await queue(event, async () => (await redeliver(false)) !== null, async () => await redeliver(true)))) return null
      // A store error here answers 503 though the event is requeued: Stripe's retry is then a duplicate.
      await logRequeued()
      return 'requeued'
    }
    const claimed = await redeliver(true)
    if (claimed === null) return null
    await logRequeued()
    await runInline(claimed, event, eventLog)
    return 'requeued'
  }

  // Inline mode: a duplicate of an event waiting for a worker (a replay), or whose lease expired, is
  // run now; one running elsewhere answers 409, so that Stripe retries once it is settled.
  async function receiveDuplicateInline (newEvent: NewEvent, event: RoutedEvent, eventLog: FastifyBaseLogger): Promise<ReceiveOutcome> {
    const now = Date.now()
    const claimed = await store.claim(newEvent.id, nextLease(), now, now + options.leaseMs)
    if (claimed !== null) {
      return await runInline(claimed, event, eventLog)
    }
    const existing = await store.get(newEvent.id)
    if (existing?.status === 'processing') throw new EventInProgressError(newEvent.id)
    return 'duplicate'
  }

  return {
    receive: async (event, payload, eventLog) => {
      const newEvent = toNewEvent(event, payload)
      let outcome: ReceiveOutcome
      if (!takesLivemode(options.livemode, event.livemode)) {
        outcome = await storeSettled(newEvent, event, 'ignored', eventLog, () => logIgnored(event, options.livemode, eventLog))
      } else if (!handlers.has(event.type)) {
        outcome = await storeSettled(newEvent, event, 'unhandled', eventLog, () =>
          eventLog.info({ eventId: event.id, eventType: event.type }, `Unhandled event type: ${event.type}`))
      } else {
        outcome = options.mode === 'queued'
          ? await receiveQueued(newEvent, event, eventLog)
          : await receiveInline(newEvent, event, eventLog)
      }
      if (outcome === 'duplicate') eventLog.info({ eventId: event.id, eventType: event.type }, 'Duplicate delivery acknowledged; the event is stored already')
      return outcome
    },
    drain: worker.drain,
    stop: async (graceMs) => {
      await worker.stop(graceMs, afterError)
      context.leases.stop()
    },
    stoppingAfterError: (error) => {
      afterError = true
      // Node runs these listeners in the async context of the callback that threw.
      const run = runScope.getStore()
      if (run === undefined) return null
      context.observer.countRunFault(run.type, 'uncaught')
      log.error({ err: error, eventId: run.eventId, eventType: run.type },
        `A callback of the handler for ${run.type} threw outside its promise; its run is recorded as failed before the instance stops`)
      run.controller.abort(error)
      return run.eventId
    },
    saturatedSince: worker.saturatedSince,
    store
  }
}
