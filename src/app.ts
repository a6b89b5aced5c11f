// Builds the router as a plugin; it never listens. The server runs it, and tests build it.
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync } from 'fastify'
import config from '../plugins/config.js'
import errorReplies from '../plugins/error-replies.js'
import eventInbox from '../plugins/event-inbox.js'
import stripeHandlers from '../plugins/stripe-handlers.js'
import stripeSignature from '../plugins/stripe-signature.js'
import webhookRoute from './webhook-route.js'

export interface AppOptions {
  /** The settings' source: `process.env` in the server, plain data in tests. */
  env: Record<string, string | undefined>
  /** The handler files' folder; `handlers/` beside `src/` (in the build too) unless a test names its own. */
  handlersDir?: string
  /** How long closing waits for running handlers; 10 s unless given. */
  shutdownGraceMs?: number
}

export const defaultHandlersDir = fileURLToPath(new URL('../handlers/', import.meta.url))

const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  await fastify.register(config, { env: opts.env })
  await fastify.register(errorReplies)
  await fastify.register(stripeSignature)
  await fastify.register(stripeHandlers, { handlersDir: opts.handlersDir ?? fastify.config.HANDLERS_DIR ?? defaultHandlersDir })
  await fastify.register(eventInbox, { shutdownGraceMs: opts.shutdownGraceMs })
  await fastify.register(webhookRoute)
}

export default app
