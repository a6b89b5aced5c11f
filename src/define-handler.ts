// The contract of a handler file: `export default defineHandler('<event.type>', async (event, ctx) => ...)`.
// The event arrives as the member of stripe-node's `Stripe.Event` union for that type (the union of
// the members a prefix pattern matches), so a handler reads its payload without casts and `tsc`
// rejects a field the type lacks. A thin event type (`v2.core.account.created`) gets stripe-node's
// `EventNotification` for it, with `fetchEvent()` and `fetchRelatedObject()`.
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify'
import type Stripe from 'stripe'
import type { HandledEventOfObject } from './store/event-store.js'

// The shape a thin event arrives in, for handler tests that load a thin fixture.
export type { ThinEventPayload } from './delivery/routed-event.js'

/** The v1 (snapshot) event types: `payment_intent.succeeded`, ... */
export type StripeSnapshotEventType = Stripe.Event['type']
/** The thin event types of event destinations: `v1.billing.meter.no_meter_found`, `v2.core.account.created`, ... */
export type StripeThinEventType = Stripe.V2.Core.EventNotification['type']
export type StripeEventType = StripeSnapshotEventType | StripeThinEventType
type AnyStripeEvent = Stripe.Event | Stripe.V2.Core.EventNotification

// 'customer.subscription.created' -> 'customer.*' | 'customer.subscription.*'
type PrefixPatterns<T extends string> = T extends `${infer Head}.${infer Rest}`
  ? `${Head}.*` | `${Head}.${PrefixPatterns<Rest>}`
  : never

/**
 * What a handler can declare: one event type, every type under a prefix (`'customer.subscription.*'`,
 * only prefixes some type really has), or every event (`'*'`).
 */
export type StripeEventPattern = StripeEventType | PrefixPatterns<StripeEventType> | '*'

/** The events a pattern matches, as the union of their stripe-node types. */
export type StripeEventOf<T extends StripeEventPattern> =
  T extends '*' ? AnyStripeEvent
    : T extends `${infer Prefix}.*` ? Extract<AnyStripeEvent, { type: `${Prefix}.${string}` }>
      : Extract<AnyStripeEvent, { type: T }>

export interface HandlerContext {
  /** The logger bound to this event: every line carries `eventId` and `eventType`. */
  log: FastifyBaseLogger
  /** Stripe's event id: use it as the idempotency key of any side effect the handler causes. */
  eventId: string
  /** The handler's own encapsulated Fastify scope, with whatever its `setup` decorated. */
  app: FastifyInstance
  /**
   * Fires when this run must stop: at HANDLER_TIMEOUT_MS, when its lease is lost (another worker
   * may run the event now), or when the instance stops past its grace. Its `reason` says which.
   * Pass it on to `fetch(url, { signal })` and Stripe calls (`{ signal }` in request options) so
   * that their work stops with the run; the run already counts as failed once it fires.
   */
  signal: AbortSignal
  /**
   * The newest event of this event's object (`data.object.id`, or a thin event's related object)
   * with a strictly later `created` that this same handler has already handled (see
   * `HandlerOptions.skipSuperseded` for "same handler"), or null: none, the event names no object,
   * or there is no store (EVENT_STORE=none). When set, the payload is older than what the handler
   * last acted on: re-fetch the object from Stripe rather than writing this payload's state.
   * Events created in the same second are never "later" (Stripe stamps `created` in whole seconds).
   */
  newerHandledEvent: HandledEventOfObject | null
}

/**
 * A v1 event of a type the installed stripe package does not list yet: every field all events
 * have, typed; `data.object` is the object as Stripe sent it, untyped (check fields before use).
 */
export interface UnlistedStripeEvent<T extends string = string> extends Omit<Stripe.EventBase, 'data' | 'type'> {
  type: T
  data: {
    object: { id?: string, object: string, [field: string]: unknown }
    previous_attributes?: Record<string, unknown>
  }
}

/** A thin event notification of a type stripe-node does not list: stripe-node's own shape for it. */
export type UnlistedStripeEventNotification<T extends string = string> =
  Omit<Stripe.V2.Core.Events.UnknownEventNotification, 'type'> & { type: T }

/** What an unlisted type's handler receives: thin types (`v1.…`, `v2.…`) arrive as notifications. */
export type UnlistedEventOf<T extends string> =
  T extends `v${number}.${string}` ? UnlistedStripeEventNotification<T> : UnlistedStripeEvent<T>

/**
 * A type the installed stripe package does not list, as defineUnlistedHandler takes it: a listed
 * type, a pattern or a name of another shape is `never`, so tsc refuses it.
 */
export type UnlistedEventType<T extends string> =
  T extends StripeEventPattern | `${string}*${string}` | `${string}${' ' | '/' | '..'}${string}` | '' ? never : T

/** The event a handler declared for `T` receives: stripe-node's type, or the untyped shape for an unlisted type. */
export type HandledEventOf<T extends string> = T extends StripeEventPattern ? StripeEventOf<T> : UnlistedEventOf<T>

export type HandleStripeEvent<T extends string> =
  (event: HandledEventOf<T>, context: HandlerContext) => Promise<void> | void

export interface HandlerOptions {
  /** Runs once at start-up inside the handler's own plugin scope: open clients, decorate, add hooks. */
  setup?: FastifyPluginAsync
  /**
   * Settle an event as `superseded`, without running the handler, when this handler has already
   * handled an event of the same object whose Stripe `created` is strictly later (a later second):
   * an older state arriving late (a retry, or `.updated` before `.created`) never overwrites a newer
   * one. "This handler" means the events the routing sends to this file: for
   * `customer.subscription._all.ts`, every `customer.subscription.*` type that has no more specific
   * file of its own (with the handler files loaded now). Events of the same second all run, since
   * their order is unknown. Only handled events count: a failed or superseded one supersedes nothing.
   * Default false.
   */
  skipSuperseded?: boolean
}

const handlerMark = Symbol.for('stripe-webhook-router.handler')

export interface StripeEventHandler<T extends string = StripeEventPattern> {
  readonly [handlerMark]: true
  readonly type: T
  readonly handle: HandleStripeEvent<T>
  readonly setup?: FastifyPluginAsync
  /** See `HandlerOptions.skipSuperseded`. */
  readonly skipSuperseded: boolean
  /** Set by defineUnlistedHandler: the loader takes this type although stripe-node does not list it. */
  readonly unlisted?: true
}

export function defineHandler<T extends StripeEventPattern> (
  type: T,
  handle: HandleStripeEvent<T>,
  options: HandlerOptions = {}
): StripeEventHandler<T> {
  return { [handlerMark]: true, type, handle, setup: options.setup, skipSuperseded: options.skipSuperseded === true }
}

/**
 * The deliberate way in for an event type Stripe sends before the installed stripe package lists
 * it (`v1.billing.meter.new_type`): the file is still named after the type, the event arrives as
 * UnlistedStripeEvent (or UnlistedStripeEventNotification for a thin type), and start-up warns,
 * naming the stripe version. A listed type is a type error here: use defineHandler for it.
 */
export function defineUnlistedHandler<T extends string> (
  type: UnlistedEventType<T>,
  handle: HandleStripeEvent<T>,
  options: HandlerOptions = {}
): StripeEventHandler<T> {
  return { [handlerMark]: true, type: type as T, handle, setup: options.setup, skipSuperseded: options.skipSuperseded === true, unlisted: true }
}

/** Whether `value` is what defineHandler or defineUnlistedHandler returns (its type is not checked). */
export function isStripeEventHandler (value: unknown): value is StripeEventHandler<string> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[handlerMark] === true
}
