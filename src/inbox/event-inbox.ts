// The inbox's contract: what the app's routes and server call, whichever inbox the settings choose
// (storeless-inbox.ts for EVENT_STORE=none, stored-inbox.ts otherwise).
import type { FastifyBaseLogger } from 'fastify'
import type { RoutedEvent } from '../delivery/routed-event.js'
import type { HealthTrackedStore } from '../store/store-health.js'
import type { AttemptObserver } from './attempt-observer.js'
import type { LivemodeGuard } from './livemode-guard.js'
import type { ReceiveOutcome } from './receive-outcome.js'

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
  /** Since when the oldest handler end not yet recorded in the store has waited (ms since the epoch); null while none waits or without a store. */
  unrecordedEndsSince: () => number | null
  readonly store: HealthTrackedStore | null
}

/** What every inbox, stored or storeless, is given: the events it handles, and who watches its runs. */
export interface GuardAndObserver {
  livemode: LivemodeGuard
  /** Told of every handler run's end, and of every run fault. */
  observer: AttemptObserver
}
