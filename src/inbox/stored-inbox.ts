// The durable inbox: every verified event is stored before Stripe gets its answer, and its handler
// runs once per event id, in the background (queued) or before the answer (inline). This file starts
// and stops its workers; stored-receive.ts takes each delivery.
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyBaseLogger } from 'fastify'
import type { StripeHandlers } from '../routing/handler-router.js'
import { leaseToken } from '../store/event-store.js'
import type { HealthTrackedStore } from '../store/store-health.js'
import type { EventInbox, GuardAndObserver } from './event-inbox.js'
import { startEventWorker, type EventWorker, type WorkerOptions } from './event-worker.js'
import { LinkedSet } from './linked-set.js'
import { createLeaseKeeper } from './lease-keeper.js'
import type { RetryPolicy } from './retry-delay.js'
import type { AttemptContext, Run } from './run-attempt.js'
import { createStoredReceive } from './stored-receive.js'

export interface InboxOptions extends WorkerOptions, GuardAndObserver {
  mode: 'queued' | 'inline'
  leaseMs: number
  /** How long one handler run may take, in milliseconds (HANDLER_TIMEOUT_MS). */
  handlerTimeoutMs: number
  retry: RetryPolicy
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
    runs: new LinkedSet(),
    succeededUnsettled: new LinkedSet(),
    runScope,
    pastGrace: pastGrace.signal,
    observer: options.observer
  }
  const worker: EventWorker = startEventWorker(context, { ...options, onPastGrace: () => pastGrace.abort() }, log)
  const receive = createStoredReceive(context, worker, options)
  let afterError = false

  return {
    receive,
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
    unrecordedEndsSince: worker.unrecordedEndsSince,
    store
  }
}
