// Loads the handler files, mounts each as its own encapsulated plugin, and decorates the app with
// the handler router built over them (src/routing/handler-router.ts routes and dispatches).
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { StripeEventHandler } from '../src/define-handler.js'
import { createNotificationFactory } from '../src/delivery/thin-event-notification.js'
import { unlistedHandlerWarning } from '../src/routing/event-type-suggestions.js'
import { loadHandlers } from '../src/routing/handler-loader.js'
import { createHandlerRouter, type HandlerRouter, type StripeHandlers } from '../src/routing/handler-router.js'

declare module 'fastify' {
  interface FastifyInstance {
    stripeHandlers: StripeHandlers
  }
}

export interface StripeHandlersOptions {
  /** The folder of handler files: `handlers/` beside `src/`, or a test's own. */
  handlersDir: string
}

// Each handler gets a scope of its own, where its `setup` registers what it needs; it is routable
// once that setup ran.
function mountHandler (fastify: FastifyInstance, handler: StripeEventHandler<string>, router: HandlerRouter): void {
  const handlerPlugin: FastifyPluginAsync = async (scope) => {
    if (handler.setup !== undefined) await scope.register(handler.setup)
    router.mount(handler, scope)
  }
  Object.defineProperty(handlerPlugin, 'name', { value: `handler:${handler.type}` })
  fastify.register(handlerPlugin)
}

const stripeHandlers: FastifyPluginAsync<StripeHandlersOptions> = async (fastify, opts) => {
  const loaded = await loadHandlers(opts.handlersDir)
  const router = createHandlerRouter(loaded.map(({ handler }) => handler), createNotificationFactory(fastify.config))
  for (const { handler } of loaded) mountHandler(fastify, handler, router)
  fastify.log.info({ handlers: loaded.map(({ file }) => file) }, `Loaded ${loaded.length} Stripe event handlers`)
  for (const { handler, file } of loaded) {
    if (handler.unlisted !== true) continue
    const { fields, message } = unlistedHandlerWarning(handler.type, file)
    fastify.log.warn(fields, message)
  }
  fastify.decorate('stripeHandlers', router.handlers)
}

export default fp(stripeHandlers, { name: 'stripe-handlers', fastify: '5.x', dependencies: ['config'] })
