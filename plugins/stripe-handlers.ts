// Mounts every handler file as its own encapsulated plugin and routes each verified event to the
// most specific handler for its type: the type's own file, else the longest matching prefix file,
// else the catch-all. One handler runs per event. The choice per type is made once and kept, so
// routing is one Map read, whatever the number of handlers.
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { StripeEventHandler } from '../src/define-handler.js'
import { patternsMatching, routedTypes, type RoutedTypes } from '../src/routing/event-patterns.js'
import { loadHandlers } from '../src/routing/handler-loader.js'
import { isThinEvent } from '../src/delivery/routed-event.js'
import { createNotificationFactory } from '../src/delivery/thin-event-notification.js'
import { lazyChildLogger } from '../src/logging/lazy-child-logger.js'
import { unlistedHandlerWarning } from '../src/routing/event-type-suggestions.js'
import { eventCreatedSeconds, eventObjectId, type RoutedEvent } from '../src/delivery/routed-event.js'
import type { HandledEventOfObject } from '../src/store/event-store.js'

export type DispatchOutcome = 'handled' | 'unhandled' | 'superseded'

/** The store's read of an object's history: `EventStore.newestHandledAfter`. */
export type FindNewerHandled = (objectId: string, created: number, types: RoutedTypes) => Promise<HandledEventOfObject | null>

export interface StripeHandlers {
  /** The event types and patterns (`customer.subscription.*`, `*`) that have a handler file, sorted. */
  readonly types: readonly string[]
  /** Whether some handler takes events of `type`. */
  has: (type: string) => boolean
  /** The type or pattern of the handler that takes `type`, if any. */
  handlerFor: (type: string) => string | undefined
  /**
   * Runs the handler for `event.type`, whose context carries `signal` (one that never fires unless
   * given; given as a function, it is called only if the handler reads the signal) and `newerHandledEvent`, read through `findNewerHandled` (one query, only for an event
   * naming an object; null without it). Answers 'superseded', without running it, when that handler
   * has `skipSuperseded` and a newer event of the object was handled. A handler's error propagates.
   */
  dispatch: (event: RoutedEvent, log: FastifyBaseLogger, signal?: AbortSignal | (() => AbortSignal), findNewerHandled?: FindNewerHandled) => Promise<DispatchOutcome>
}

declare module 'fastify' {
  interface FastifyInstance {
    stripeHandlers: StripeHandlers
  }
}

export interface StripeHandlersOptions {
  /** The folder of handler files: `handlers/` beside `src/`, or a test's own. */
  handlersDir: string
}

interface MountedHandler {
  handler: StripeEventHandler<string>
  scope: FastifyInstance
  /** The types routed to it, given every handler mounted: made on first use, once all are mounted. */
  types?: RoutedTypes
}

function mountHandler (
  fastify: FastifyInstance,
  handler: StripeEventHandler<string>,
  mounted: Map<string, MountedHandler>,
  routes: Map<string, MountedHandler | null>
): void {
  const handlerPlugin: FastifyPluginAsync = async (scope) => {
    if (handler.setup !== undefined) await scope.register(handler.setup)
    mounted.set(handler.type, { handler, scope })
    routes.clear()
    for (const other of mounted.values()) other.types = undefined
  }
  Object.defineProperty(handlerPlugin, 'name', { value: `handler:${handler.type}` })
  fastify.register(handlerPlugin)
}

const stripeHandlers: FastifyPluginAsync<StripeHandlersOptions> = async (fastify, opts) => {
  const mounted = new Map<string, MountedHandler>()
  // The handler chosen for each type seen so far (null: none); bounded by the types Stripe sends.
  const routes = new Map<string, MountedHandler | null>()
  const toNotification = createNotificationFactory(fastify.config)
  const loaded = await loadHandlers(opts.handlersDir)
  for (const { handler } of loaded) mountHandler(fastify, handler, mounted, routes)
  fastify.log.info({ handlers: loaded.map(({ file }) => file) }, `Loaded ${loaded.length} Stripe event handlers`)
  for (const { handler, file } of loaded) {
    if (handler.unlisted !== true) continue
    const { fields, message } = unlistedHandlerWarning(handler.type, file)
    fastify.log.warn(fields, message)
  }

  function route (type: string): MountedHandler | undefined {
    let target = routes.get(type)
    if (target === undefined) {
      const pattern = patternsMatching(type).find((candidate) => mounted.has(candidate))
      target = pattern === undefined ? null : mounted.get(pattern) as MountedHandler
      routes.set(type, target)
    }
    return target ?? undefined
  }

  async function newerHandled (target: MountedHandler, event: RoutedEvent, findNewerHandled?: FindNewerHandled): Promise<HandledEventOfObject | null> {
    const objectId = eventObjectId(event)
    if (objectId === null || findNewerHandled === undefined) return null
    target.types ??= routedTypes(target.handler.type, mounted.keys())
    return await findNewerHandled(objectId, eventCreatedSeconds(event), target.types)
  }

  async function dispatch (event: RoutedEvent, log: FastifyBaseLogger, signal?: AbortSignal | (() => AbortSignal), findNewerHandled?: FindNewerHandled): Promise<DispatchOutcome> {
    const target = route(event.type)
    if (target === undefined) {
      log.info({ eventId: event.id, eventType: event.type }, `Unhandled event type: ${event.type}`)
      return 'unhandled'
    }
    const newerHandledEvent = await newerHandled(target, event, findNewerHandled)
    if (newerHandledEvent !== null && target.handler.skipSuperseded) {
      log.info({ eventId: event.id, eventType: event.type, objectId: eventObjectId(event), supersededBy: newerHandledEvent.id },
        `Superseded: not running the handler for ${event.type}, which already handled ${newerHandledEvent.id} (${newerHandledEvent.type}), a later event of the same object`)
      return 'superseded'
    }
    const eventLog = lazyChildLogger(log, { eventId: event.id, eventType: event.type })
    // The union member for this type is exactly what the handler declared, by the loader's check.
    const handled = isThinEvent(event) ? toNotification(event) : event
    // The signal is made when the handler reads it: most never do, and each costs microseconds per run.
    let ownSignal: AbortSignal | undefined
    const context = {
      log: eventLog,
      eventId: event.id,
      app: target.scope,
      newerHandledEvent,
      get signal (): AbortSignal {
        ownSignal ??= typeof signal === 'function' ? signal() : signal ?? new AbortController().signal
        return ownSignal
      }
    }
    await target.handler.handle(handled as never, context)
    return 'handled'
  }

  fastify.decorate('stripeHandlers', {
    types: loaded.map(({ handler }) => handler.type).sort(),
    has: (type: string) => route(type) !== undefined,
    handlerFor: (type: string) => route(type)?.handler.type,
    dispatch
  })
}

export default fp(stripeHandlers, { name: 'stripe-handlers', fastify: '5.x', dependencies: ['config'] })
