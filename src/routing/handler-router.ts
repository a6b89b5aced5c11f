// Routes each verified event to the most specific handler for its type: the type's own file, else
// the longest matching prefix file, else the catch-all. One handler runs per event. The choice per
// type is made once and kept, so routing is one Map read, whatever the number of handlers.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { HandlerContext, StripeEventHandler } from '../define-handler.js'
import { isThinEvent, eventCreatedSeconds, eventObjectId, type RoutedEvent } from '../delivery/routed-event.js'
import type { ToNotification } from '../delivery/thin-event-notification.js'
import { lazyChildLogger } from '../logging/lazy-child-logger.js'
import type { AttemptOutcome, HandledEventOfObject } from '../store/event-store.js'
import { patternsMatching, routedTypes, type RoutedTypes } from './event-patterns.js'

/**
 * What dispatching one event came to, when its handler did not throw. Each is also an attempt's
 * recorded outcome (the store's AttemptOutcome, which adds `failed`): `satisfies` keeps the two lists
 * from drifting without the store importing from routing.
 */
export const dispatchOutcomes = ['handled', 'unhandled', 'superseded'] as const satisfies ReadonlyArray<Exclude<AttemptOutcome, 'failed'>>
export type DispatchOutcome = typeof dispatchOutcomes[number]

/** The store's read of an object's history: `EventStore.newestHandledAfter`. */
export type FindNewerHandled = (objectId: string, created: number, types: RoutedTypes) => Promise<HandledEventOfObject | null>

/** The handler table: what `fastify.stripeHandlers` holds. */
export interface StripeHandlers {
  /** The event types and patterns (`customer.subscription.*`, `*`) that have a handler file, sorted. */
  readonly types: readonly string[]
  /** Whether some handler takes events of `type`. */
  has: (type: string) => boolean
  /** The type or pattern of the handler that takes `type`, if any. */
  handlerFor: (type: string) => string | undefined
  /**
   * Runs the handler for `event.type`, whose context carries `signal` (one that never fires unless
   * given; given as a function, it is called only if the handler reads the signal) and
   * `newerHandledEvent`, read through `findNewerHandled` (one query, only for an event naming an
   * object; null without it). Answers 'superseded', without running it, when that handler
   * has `skipSuperseded` and a newer event of the object was handled. A handler's error propagates.
   */
  dispatch: (event: RoutedEvent, log: FastifyBaseLogger, signal?: AbortSignal | (() => AbortSignal), findNewerHandled?: FindNewerHandled) => Promise<DispatchOutcome>
}

export interface HandlerRouter {
  readonly handlers: StripeHandlers
  /**
   * Makes `handler` routable once its own plugin scope (`scope`, its `app`) is set up. Until then
   * events of its types route as if it did not exist.
   */
  mount: (handler: StripeEventHandler<string>, scope: FastifyInstance) => void
}

/** The line an event with no handler gets, wherever that is found out. */
export function logUnhandled (event: { id: string, type: string }, log: FastifyBaseLogger): void {
  log.info({ eventId: event.id, eventType: event.type }, `Unhandled event type: ${event.type}`)
}

// A class, not an object literal with a getter: a literal's accessor is made anew for every event.
class RunContext implements HandlerContext {
  #signal: AbortSignal | (() => AbortSignal) | undefined

  constructor (
    readonly log: FastifyBaseLogger,
    readonly eventId: string,
    readonly app: FastifyInstance,
    readonly newerHandledEvent: HandledEventOfObject | null,
    signal: AbortSignal | (() => AbortSignal) | undefined
  ) {
    this.#signal = signal
  }

  // Made when the handler reads it: most never do, and each costs microseconds per run.
  get signal (): AbortSignal {
    if (!(this.#signal instanceof AbortSignal)) this.#signal = typeof this.#signal === 'function' ? this.#signal() : new AbortController().signal
    return this.#signal
  }
}

interface MountedHandler {
  handler: StripeEventHandler<string>
  scope: FastifyInstance
  /** The types routed to it, given every handler mounted: made on first use, once all are mounted. */
  types?: RoutedTypes
}

/** A router over `handlers` (the loaded files' handlers, each routable once mounted). */
export function createHandlerRouter (handlers: ReadonlyArray<StripeEventHandler<string>>, toNotification: ToNotification): HandlerRouter {
  const mounted = new Map<string, MountedHandler>()
  // The handler chosen for each type seen so far (null: none); bounded by the types Stripe sends.
  const routes = new Map<string, MountedHandler | null>()

  function route (type: string): MountedHandler | undefined {
    let target = routes.get(type)
    if (target === undefined) {
      const pattern = patternsMatching(type).find((candidate) => mounted.has(candidate))
      target = pattern === undefined ? null : mounted.get(pattern) as MountedHandler
      routes.set(type, target)
    }
    return target ?? undefined
  }

  // Not async: without a store (or an object id) there is nothing to read, and no promise to wait for.
  function newerHandled (target: MountedHandler, event: RoutedEvent, findNewerHandled?: FindNewerHandled): Promise<HandledEventOfObject | null> | null {
    if (findNewerHandled === undefined) return null
    const objectId = eventObjectId(event)
    if (objectId === null) return null
    target.types ??= routedTypes(target.handler.type, mounted.keys())
    return findNewerHandled(objectId, eventCreatedSeconds(event), target.types)
  }

  async function dispatch (event: RoutedEvent, log: FastifyBaseLogger, signal?: AbortSignal | (() => AbortSignal), findNewerHandled?: FindNewerHandled): Promise<DispatchOutcome> {
    const target = route(event.type)
    if (target === undefined) {
      logUnhandled(event, log)
      return 'unhandled'
    }
    const newerHandledRead = newerHandled(target, event, findNewerHandled)
    const newerHandledEvent = newerHandledRead === null ? null : await newerHandledRead
    if (newerHandledEvent !== null && target.handler.skipSuperseded) {
      log.info({ eventId: event.id, eventType: event.type, objectId: eventObjectId(event), supersededBy: newerHandledEvent.id },
        `Superseded: not running the handler for ${event.type}, which already handled ${newerHandledEvent.id} (${newerHandledEvent.type}), a later event of the same object`)
      return 'superseded'
    }
    const eventLog = lazyChildLogger(log, { eventId: event.id, eventType: event.type })
    // The union member for this type is exactly what the handler declared, by the loader's check.
    const handled = isThinEvent(event) ? toNotification(event) : event
    await target.handler.handle(handled as never, new RunContext(eventLog, event.id, target.scope, newerHandledEvent, signal))
    return 'handled'
  }

  return {
    handlers: {
      types: handlers.map((handler) => handler.type).sort(),
      has: (type) => route(type) !== undefined,
      handlerFor: (type) => route(type)?.handler.type,
      dispatch
    },
    mount: (handler, scope) => {
      mounted.set(handler.type, { handler, scope })
      // A new handler may take types routed elsewhere so far, and changes every handler's routed types.
      routes.clear()
      for (const other of mounted.values()) other.types = undefined
    }
  }
}
