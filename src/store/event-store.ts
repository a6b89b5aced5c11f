// What the inbox keeps of every verified event, and the one interface both backends implement.
import type { RoutedTypes } from '../routing/event-patterns.js'

/**
 * `ignored`: stored but not handled, by the LIVEMODE guard (a test-mode event in a live deployment, or the reverse).
 * `superseded`: settled without running, because its handler opted in to `skipSuperseded` and had
 * already handled an event of the same object created strictly later.
 */
export type EventStatus = 'pending' | 'processing' | 'handled' | 'unhandled' | 'ignored' | 'failed' | 'superseded'
export const eventStatuses: readonly EventStatus[] = ['pending', 'processing', 'handled', 'unhandled', 'ignored', 'failed', 'superseded']

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

export type AttemptOutcome = 'handled' | 'unhandled' | 'superseded' | 'failed'

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
  | { status: 'handled' | 'unhandled' | 'superseded' }
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
  /** Events about this Stripe object (`data.object.id`); listed in Stripe's `created` order, oldest first. */
  objectId?: string
  limit?: number
}

/** A handled event of some object, as the per-object order reads it. */
export interface HandledEventOfObject {
  id: string
  type: string
  /** Stripe's `created`, in seconds. */
  created: number
}

/**
 * What a requeue did with one event: `requeued`, or why not. `unknown`: no event with that id is
 * stored; `leased`: a worker holds it right now; `handled`, `ignored` (by the LIVEMODE guard) and
 * `superseded` (by a newer event of its object) are requeued only when forced, since each would run
 * a handler the service deliberately did not run (again).
 */
export type RequeueOutcome = 'requeued' | 'unknown' | 'leased' | 'handled' | 'ignored' | 'superseded'

export interface RequeueResult {
  id: string
  outcome: RequeueOutcome
}

/**
 * What became of a delivery of an id stored already: `duplicate` (acknowledged, nothing run),
 * `redelivery` (the event was failed, or unhandled and its type has a handler now: requeued), or
 * `conflict` (the stored event has another type or object: Stripe's Dashboard test webhooks reuse one id).
 */
export type DeliveryKind = 'duplicate' | 'redelivery' | 'conflict'

/** One delivery of an event after its first (the first is the event's own receivedAt and source). */
export interface Delivery {
  eventId: string
  /** When this service received it, in milliseconds since the epoch. */
  receivedAt: number
  kind: DeliveryKind
  /** The type this delivery carried (another than the event's for a conflict). */
  type: string
  /** The object this delivery was about (`data.object.id`), or null. */
  objectId: string | null
  /** The body exactly as received: kept for conflicts only, null otherwise. */
  payload: Buffer | null
}

/** A redelivery of an event not yet handled, as `redeliver` takes it. */
export interface Redelivery {
  /** The delivered type: an event stored with another type is never requeued (an id conflict). */
  type: string
  /** Whether an `unhandled` event is requeued too: its type has a handler now. `failed` ones always are. */
  requeueUnhandled: boolean
  /** When the redelivery arrived, in milliseconds: the event is due then. Earlier runs still count: a late success of one fences the requeue. */
  now: number
  /** Claim it at once under this lease token (inline mode, or a reserved slot) instead of leaving it pending. */
  claim?: { owner: string, leaseExpiresAt: number }
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
  /** Whether the schema has been created here (by a `migrate`): false for an empty database or file. */
  exists: () => Promise<boolean>
  /** Stores the event unless its id is stored already; atomic in the database. True when stored now. */
  insert: (event: NewEvent, as: InsertAs) => Promise<boolean>
  /**
   * Claims one event for a duplicate delivery in inline mode: a pending one, or one whose lease
   * expired. Null when it cannot be claimed. (A failed event is taken by `redeliver`, with a fresh budget.)
   */
  claim: (id: string, owner: string, now: number, leaseExpiresAt: number) => Promise<StoredEvent | null>
  /**
   * Requeues a `failed` event (or an `unhandled` one, when `requeueUnhandled`) of the delivered type
   * for a redelivery, in one conditional UPDATE: due now, with a fresh budget of MAX_ATTEMPTS
   * (attemptsAtRequeue = attempts, so attempt numbers continue), pending or claimed under
   * `claim.owner`. Null when the event is not in such a state, or another delivery requeued it first.
   */
  redeliver: (id: string, redelivery: Redelivery) => Promise<StoredEvent | null>
  /**
   * Claims up to `limit` events that are due (pending and due, or with an expired lease) under the
   * lease token `lease`, skipping events that already ran `maxAttempts` times since they were last
   * requeued (attempts - attemptsAtRequeue; no cap by default) and
   * events with a successful run in their history (see `settleSucceeded`).
   */
  claimDue: (lease: string, now: number, leaseExpiresAt: number, limit: number, maxAttempts?: number) => Promise<StoredEvent[]>
  /**
   * Marks failed (at most 100 per call) the events whose run number `maxAttempts` or later since their
   * last requeue lost its
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
   * Gives back every lease of `owner`'s tokens, so that other workers take those events at once;
   * resolves to how many events were given back. Their claims' attempts are given back too (the
   * events are pending again), except those of the events in `countedEventIds` (runs a stop after an
   * error cut short): those count against MAX_ATTEMPTS, and their leases expire now, for the next
   * claim or, at MAX_ATTEMPTS, the sweep that marks them failed.
   */
  releaseLeases: (owner: string, countedEventIds?: readonly string[]) => Promise<number>
  /**
   * The newest event of object `objectId` created strictly after `created` (Stripe seconds: events of
   * the same second are never "newer") whose type is one of `types` and whose status is handled;
   * null when there is none. One query on the (object_id, created) index.
   */
  newestHandledAfter: (objectId: string, created: number, types: RoutedTypes) => Promise<HandledEventOfObject | null>
  get: (id: string) => Promise<StoredEvent | null>
  attempts: (id: string) => Promise<Attempt[]>
  /** Records one delivery of a stored event after its first (none for an event deleted meanwhile). */
  recordDelivery: (delivery: Delivery) => Promise<void>
  /** The deliveries of event `id` after its first, oldest first (conflicts with their bodies); [] for an unknown id. */
  deliveries: (id: string) => Promise<Delivery[]>
  list: (filter: EventFilter) => Promise<StoredEvent[]>
  /**
   * Makes matching events pending again, due now, their attempt numbers going on from where they
   * were (`attemptsAtRequeue` = `attempts`, so MAX_ATTEMPTS counts afresh). Without `force`, only
   * events never handled (failed, pending, unhandled, or a lease that expired, unless a run of it
   * succeeded); with it, handled, ignored and superseded ones too. A leased event is never requeued. One result
   * per matched event, and per named id (`filter.ids`) that matched none (`unknown`), in the order
   * named, else newest first.
   */
  requeue: (filter: EventFilter, force: boolean, now: number) => Promise<RequeueResult[]>
  /** How many events `prune(before)` would delete now, by status. */
  countPrunable: (before: number) => Promise<Partial<Record<EventStatus, number>>>
  /** Deletes settled (handled, unhandled, ignored, superseded) events received before `before`, with their attempts and deliveries; failed ones are kept. */
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
