// How the stored inbox takes one delivery: a first delivery is stored (settled at once when no
// handler runs for it, else queued for a worker or run before the answer inline); a delivery of a
// stored id is recorded, and requeued, rerun or acknowledged as a duplicate by what became of it.
import type { FastifyBaseLogger } from 'fastify'
import type { RoutedEvent } from '../delivery/routed-event.js'
import { EventInProgressError } from '../errors.js'
import { logUnhandled } from '../routing/handler-router.js'
import type { DeliveryKind, NewEvent, StoredEvent } from '../store/event-store.js'
import type { EventWorker } from './event-worker.js'
import { handlerFailed } from './handler-failed.js'
import { logIgnored, takesLivemode, type LivemodeGuard } from './livemode-guard.js'
import { toNewEvent } from './new-event.js'
import type { ReceiveOutcome } from './receive-outcome.js'
import { isIdConflict, isRequeueable } from './repeat-delivery.js'
import { runAttempt, runHereOf, succeededHereLately, type AttemptContext } from './run-attempt.js'

export interface StoredReceiveOptions {
  mode: 'queued' | 'inline'
  livemode: LivemodeGuard
}

/** Receives one verified delivery, whose body is `payload`; throws HandlerFailedError or EventInProgressError in inline mode. */
export type Receive = (event: RoutedEvent, payload: Buffer, eventLog: FastifyBaseLogger) => Promise<ReceiveOutcome>

/** The receive of the stored inbox whose runs share `context` and whose queue `worker` runs. */
export function createStoredReceive (context: AttemptContext, worker: EventWorker, { mode, livemode }: StoredReceiveOptions): Receive {
  const { store, handlers, nextLease, leaseMs } = context

  // Stored, and settled at once: no handler will run for it (LIVEMODE guard, or no handler for its type).
  async function storeSettled (newEvent: NewEvent, event: RoutedEvent, status: 'ignored' | 'unhandled', eventLog: FastifyBaseLogger, logIt: () => void): Promise<ReceiveOutcome> {
    if (!(await store.insert(newEvent, { status }))) return await receiveAgain(newEvent, event, eventLog, status === 'unhandled')
    logIt()
    return status
  }

  // With a free slot, the event is stored (or requeued) already claimed by this instance and handled
  // straight from memory; without one, it is left pending for whichever worker frees up first, here or
  // elsewhere. False when nothing was stored. Thens, not async functions: this is every delivery's
  // path, and each promise (with the run scope's async hooks on) showed in its cost.
  function queue (event: RoutedEvent, storePending: () => Promise<boolean>, storeClaimed: () => Promise<StoredEvent | null>): Promise<boolean> {
    if (!worker.reserveSlot()) {
      return storePending().then((stored) => {
        if (stored) worker.wake()
        return stored
      })
    }
    return storeClaimed().then((claimed) => {
      if (claimed === null) {
        worker.releaseSlot()
        return false
      }
      worker.runReserved(claimed, event)
      return true
    }, (error: unknown) => {
      worker.releaseSlot()
      throw error
    })
  }

  async function receiveQueued (newEvent: NewEvent, event: RoutedEvent, eventLog: FastifyBaseLogger): Promise<ReceiveOutcome> {
    const stored = await queue(event,
      async () => await store.insert(newEvent, { status: 'pending' }),
      () => insertClaimed(newEvent))
    return stored ? 'queued' : await receiveAgain(newEvent, event, eventLog, true)
  }

  /** A new lease, from now: claims made at insert or at a redelivery. */
  function newClaim (): { owner: string, leaseExpiresAt: number } {
    return { owner: nextLease(), leaseExpiresAt: Date.now() + leaseMs }
  }

  // Each field named, not spread from newEvent: the spread with nine more fields allocated some 3 KB
  // per delivery by V8's sampling heap profiler; this literal is one object.
  function insertClaimed (newEvent: NewEvent): Promise<StoredEvent | null> {
    const { owner: lease, leaseExpiresAt } = newClaim()
    return store.insert(newEvent, { status: 'processing', owner: lease, leaseExpiresAt }).then((inserted): StoredEvent | null => inserted
      ? {
          id: newEvent.id,
          type: newEvent.type,
          account: newEvent.account,
          livemode: newEvent.livemode,
          apiVersion: newEvent.apiVersion,
          created: newEvent.created,
          receivedAt: newEvent.receivedAt,
          objectId: newEvent.objectId,
          source: newEvent.source,
          payload: newEvent.payload,
          status: 'processing',
          attempts: 1,
          attemptsAtRequeue: 0,
          lastError: null,
          nextAttemptAt: leaseExpiresAt,
          leaseOwner: lease,
          leaseExpiresAt,
          handledAt: null
        }
      : null)
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
    if (result === null || result.status === 'failed') throw handlerFailed(event, error, eventLog)
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
    const runsHere = mode === 'inline' && mayRun && handlers.has(newEvent.type)
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
    if (mode === 'queued') {
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
  // run now; one running elsewhere answers 409, so that Stripe retries once it is settled. Looked up
  // here first: a run of this instance may still be recording its end after a store outage, its lease
  // run out meanwhile, so the store alone would let this claim start a second run (409 too); one that
  // succeeded here under a claim a newer one took is acknowledged, its success is in its history.
  async function receiveDuplicateInline (newEvent: NewEvent, event: RoutedEvent, eventLog: FastifyBaseLogger): Promise<ReceiveOutcome> {
    if (runHereOf(context, newEvent.id) !== undefined) throw new EventInProgressError(newEvent.id)
    if (succeededHereLately(context, newEvent.id)) return 'duplicate'
    const now = Date.now()
    const claimed = await store.claim(newEvent.id, nextLease(), now, now + leaseMs)
    if (claimed !== null) {
      return await runInline(claimed, event, eventLog)
    }
    const existing = await store.get(newEvent.id)
    if (existing?.status === 'processing') throw new EventInProgressError(newEvent.id)
    return 'duplicate'
  }

  return async (event, payload, eventLog) => {
    const newEvent = toNewEvent(event, payload)
    let outcome: ReceiveOutcome
    if (!takesLivemode(livemode, event.livemode)) {
      outcome = await storeSettled(newEvent, event, 'ignored', eventLog, () => logIgnored(event, livemode, eventLog))
    } else if (!handlers.has(event.type)) {
      outcome = await storeSettled(newEvent, event, 'unhandled', eventLog, () => logUnhandled(event, eventLog))
    } else {
      outcome = mode === 'queued'
        ? await receiveQueued(newEvent, event, eventLog)
        : await receiveInline(newEvent, event, eventLog)
    }
    if (outcome === 'duplicate') eventLog.info({ eventId: event.id, eventType: event.type }, 'Duplicate delivery acknowledged; the event is stored already')
    return outcome
  }
}
