// What the inbox keeps of every verified event, and the one interface both backends implement.

/** `ignored`: stored but not handled, by the LIVEMODE guard (a test-mode event in a live deployment, or the reverse). */
export type EventStatus = 'pending' | 'processing' | 'handled' | 'unhandled' | 'ignored' | 'failed'
export const eventStatuses: readonly EventStatus[] = ['pending', 'processing', 'handled', 'unhandled', 'ignored', 'failed']

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
  /** The body exactly as received. */
  payload: Buffer
}

export interface StoredEvent extends NewEvent {
  status: EventStatus
  attempts: number
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
  /** Claims up to `limit` events that are due (pending and due, or with an expired lease). */
  claimDue: (owner: string, now: number, leaseExpiresAt: number, limit: number) => Promise<StoredEvent[]>
  /** Extends a lease still held by `owner`; false when it was lost. */
  renewLease: (id: string, owner: string, leaseExpiresAt: number) => Promise<boolean>
  /** Records an attempt and moves the event on, if `owner` still holds it; false when the lease was lost. */
  finishAttempt: (attempt: Attempt, result: AttemptResult) => Promise<boolean>
  /** Gives back every lease `owner` holds, so that other workers take those events at once. */
  releaseLeases: (owner: string) => Promise<number>
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
  /** Resolves when the database answers. */
  ping: () => Promise<void>
  /** Resolves when the database takes a write: one small row of `owner`'s, in its own transaction. */
  probeWrite: (owner: string, now: number) => Promise<void>
  close: () => Promise<void>
}
