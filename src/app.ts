// Builds the router as a plugin; it never listens. The server runs it, and tests build it.
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync } from 'fastify'
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
  /** The handler files' folder; `handlers/` beside `src/` (in the build too) unless a test names its own. */
  handlersDir?: string
  /** How long closing waits for running handlers; SHUTDOWN_GRACE_MS unless given. */
  shutdownGraceMs?: number
}

export const defaultHandlersDir = fileURLToPath(new URL('../handlers/', import.meta.url))

const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  await fastify.register(config, { env: opts.env })
  await fastify.register(errorReplies)
  await fastify.register(metrics)
  await fastify.register(stripeSignature)
  const handlersDir = opts.handlersDir ?? fastify.config.HANDLERS_DIR ?? defaultHandlersDir
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
  if (fastify.config.METRICS_PORT === undefined) await fastify.register(opsRoutes, { router: fastify })
}

export default app
