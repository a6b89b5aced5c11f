// Builds the router as a plugin; it never listens. The server runs it, and tests build it.
import type { FastifyPluginAsync } from 'fastify'
import { handlersDirOf, opsPort } from '../config/resolved-settings.js'
import config from '../plugins/config.js'
import errorReplies from '../plugins/error-replies.js'
import eventInbox from '../plugins/event-inbox.js'
import metrics from '../plugins/metrics.js'
import readiness from '../plugins/readiness.js'
import reconcileSweep from '../plugins/reconcile-sweep.js'
import stripeHandlers from '../plugins/stripe-handlers.js'
import stripeSignature from '../plugins/stripe-signature.js'
import { checkHandlersDir } from './routing/handlers-dir-check.js'
import opsRoutes from './routes/ops-routes.js'
import webhookRoute from './routes/webhook-route.js'

export interface AppOptions {
  /** The settings' source: `process.env` in the server, plain data in tests. */
  env: Record<string, string | undefined>
  /** The handler files' folder; handlersDirOf(settings) (HANDLERS_DIR, else the built-in handlers/) unless a test names its own. */
  handlersDir?: string
  /** How long closing waits for running handlers; SHUTDOWN_GRACE_MS unless given. */
  shutdownGraceMs?: number
}

const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  // A client that closes its sending side right after its request (`printf ... | nc`, a raw socket)
  // still gets its answer: by default Node aborts a request whose client half-closes and ends the
  // socket, and a delivery's answer waits for its commit, a turn of the event loop or more later.
  // (`httpAllowHalfOpen` is a property of Node's http.Server, false by default, not in its types.)
  ;(fastify.server as { httpAllowHalfOpen?: boolean }).httpAllowHalfOpen = true
  await fastify.register(config, { env: opts.env })
  await fastify.register(metrics)
  await fastify.register(errorReplies)
  await fastify.register(stripeSignature)
  const handlersDir = opts.handlersDir ?? handlersDirOf(fastify.config)
  if (opts.handlersDir === undefined && fastify.config.HANDLERS_DIR !== undefined) await checkHandlersDir(handlersDir)
  await fastify.register(stripeHandlers, { handlersDir })
  if (fastify.stripeHandlers.types.length === 0) {
    fastify.log.warn({ handlersDir }, `No Stripe event handlers in ${handlersDir}: every event will be acknowledged and stored as unhandled`)
  }
  await fastify.register(eventInbox, { shutdownGraceMs: opts.shutdownGraceMs })
  await fastify.register(reconcileSweep)
  await fastify.register(readiness)
  await fastify.register(webhookRoute)
  // With METRICS_PORT set, the server serves these on that port instead, away from the public webhook.
  if (opsPort(fastify.config) === undefined) await fastify.register(opsRoutes, { router: fastify })
}

export default app
