// What the inbox keeps of every verified event, and the one interface both backends implement.

/** `ignored`: stored but not handled, by the LIVEMODE guard (a test-mode event in a live deployment, or the reverse). */
export type EventStatus = 'pending' | 'processing' | 'handled' | 'unhandled' | 'ignored' | 'failed'
export const eventStatuses: readonly EventStatus[] = ['pending', 'processing', 'handled', 'unhandled', 'ignored', 'failed']

export type EventSource = 'webhook' | 'reconcile'

export interface NewEvent {
  id: string
  type: string
  /** The connected account the event came from (Connect), or null for the platform's own. */
  account: string | null
  livemode: boolean
  apiVersion: string | null
  /** Stripe's `created`, in seconds. */
  created: number
  /** When this service first received it, in milliseconds. */
  receivedAt: number
  /** The Stripe object the event is about (`data.object.id`, or a thin event's `related_object.id`), or null. */
  objectId: string | null
  /** How the event came in: a signed webhook delivery, or listed from Stripe's API by `events reconcile`. */
  source: EventSource
  /** The body exactly as received. */
  payload: Buffer
}

export interface StoredEvent extends NewEvent {
  status: EventStatus
  /** Attempts ever started, replays included: the number of the latest attempt. */
  attempts: number
  /** Attempts started before the last requeue (replay or redelivery); MAX_ATTEMPTS counts the rest. */
  attemptsAtRequeue: number
  lastError: string | null
  nextAttemptAt: number
  leaseOwner: string | null
  leaseExpiresAt: number | null
  handledAt: number | null
}

export type AttemptOutcome = 'handled' | 'unhandled' | 'failed'

export interface Attempt {
  eventId: string
  attempt: number
  worker: string
  startedAt: number
  finishedAt: number
  outcome: AttemptOutcome
  error: string | null
}

/** How an event enters the store: waiting for a worker, already settled, or claimed by its receiver. */
export type InsertAs =
  | { status: 'pending' | 'unhandled' | 'ignored' }
  | { status: 'processing', owner: string, leaseExpiresAt: number }

/** Where an attempt leaves the event: settled, waiting for a retry, or dead-lettered. */
export type AttemptResult =
  | { status: 'handled' | 'unhandled' }
  | { status: 'pending', error: string, nextAttemptAt: number }
  | { status: 'failed', error: string }

export interface EventFilter {
  ids?: readonly string[]
  status?: EventStatus
  type?: string
  /** Received at or after, in milliseconds. */
  since?: number
  /** Received before, in milliseconds. */
  until?: number
  limit?: number
}

/** An event failed at claim time: its last allowed run's lease expired without an end recorded. */
export interface AbandonedEvent {
  id: string
  type: string
  attempts: number
  lastError: string
}

/** An event settled handled at claim time, since a run of it had succeeded (a run fenced by a newer claim). */
export interface SettledEvent {
  id: string
  type: string
  attempts: number
}

/**
 * The lease token of one claim by `owner` (an instance): stored in lease_owner, it fences the claim,
 * since renewals and ends of attempts must name it. `claim` distinguishes claims by the same owner.
 */
export function leaseToken (owner: string, claim: number): string {
  return `${leaseTokenPrefix(owner)}${claim}`
}

/** What every lease token of `owner` starts with. */
export function leaseTokenPrefix (owner: string): string {
  return `${owner}#`
}

/** A claim of the reconciliation sweep: when the last complete sweep started (ms), null before the first. */
export interface ReconcileSweepClaim {
  coveredUntil: number | null
}

export interface EventStore {
  readonly kind: 'sqlite' | 'postgres'
  /** Creates or migrates the schema; safe to run from several replicas at once. */
  migrate: () => Promise<void>
  /** Stores the event unless its id is stored already; atomic in the database. True when stored now. */
  insert: (event: NewEvent, as: InsertAs) => Promise<boolean>
  /**
   * Claims one event for a redelivery in inline mode: any event not settled and not leased to
   * someone else (pending, failed, or an expired lease). Null when it cannot be claimed.
   */
  claim: (id: string, owner: string, now: number, leaseExpiresAt: number) => Promise<StoredEvent | null>
  /**
   * Claims up to `limit` events that are due (pending and due, or with an expired lease) under the
   * lease token `lease`, skipping events that already ran `maxAttempts` times (none by default) and
   * events with a successful run in their history (see `settleSucceeded`).
   */
  claimDue: (lease: string, now: number, leaseExpiresAt: number, limit: number, maxAttempts?: number) => Promise<StoredEvent[]>
  /**
   * Marks failed (at most 100 per call) the events whose run number `maxAttempts` or later lost its
   * lease without recording an end (its process stopped): applying the cap at claim time.
   */
  failAbandoned: (now: number, maxAttempts: number) => Promise<AbandonedEvent[]>
  /**
   * Settles handled (at most 100 per call) the due events, pending or with an expired lease, whose
   * history has a handled run since they were last requeued: such an event is never run again.
   */
  settleSucceeded: (now: number) => Promise<SettledEvent[]>
  /**
   * Extends the lease whose token is `lease`; false when that claim was lost, or when a run of the
   * event has succeeded meanwhile (an older claim's, fenced): this claim must not start or go on.
   */
  renewLease: (id: string, lease: string, leaseExpiresAt: number) => Promise<boolean>
  /**
   * Records an attempt (always: the history keeps every run) and moves the event on if
   * `lease` (by default `attempt.worker`, the lease token the run started under) is still the event's
   * newest claim; false when it is not. Recording the same attempt twice adds one history row.
   */
  finishAttempt: (attempt: Attempt, result: AttemptResult, lease?: string) => Promise<boolean>
  /**
   * Gives back every lease of `owner`'s tokens, so that other workers take those events at once; the
   * interrupted runs count against MAX_ATTEMPTS only when `counted` (a stop after an error).
   */
  releaseLeases: (owner: string, counted?: boolean) => Promise<number>
  get: (id: string) => Promise<StoredEvent | null>
  attempts: (id: string) => Promise<Attempt[]>
  list: (filter: EventFilter) => Promise<StoredEvent[]>
  /**
   * Makes matching events pending again, due now. Without `force`, only failed and pending events
   * (handled ones stay handled: the once-only rule); with it, any event not leased right now.
   */
  requeue: (filter: EventFilter, force: boolean, now: number) => Promise<string[]>
  /** Deletes settled (handled, unhandled, ignored) events received before `before`; failed ones are kept. */
  prune: (before: number) => Promise<number>
  countByStatus: () => Promise<Record<EventStatus, number>>
  /** When the oldest event not yet settled (pending or being handled) was received; null when none is. */
  oldestUnsettledReceivedAt: () => Promise<number | null>
  /**
   * Claims the service's reconciliation sweep for `owner` (unique per claim) until `leaseExpiresAt`,
   * unless another claim's lease is live or a sweep started after `lastStartedBy` (ms): one
   * conditional UPDATE, so of replicas racing, one sweeps. Null when not claimed.
   */
  claimReconcileSweep: (owner: string, now: number, leaseExpiresAt: number, lastStartedBy: number) => Promise<ReconcileSweepClaim | null>
  /**
   * Gives the sweep back. When `completed`, the next sweep lists from this one's start; otherwise any
   * replica may sweep again at once. False if the claim was lost.
   */
  finishReconcileSweep: (owner: string, completed: boolean) => Promise<boolean>
  /** Resolves when the database answers. */
  ping: () => Promise<void>
  /** Resolves when the database takes a write: one small row of `owner`'s, in its own transaction. */
  probeWrite: (owner: string, now: number) => Promise<void>
  close: () => Promise<void>
}
