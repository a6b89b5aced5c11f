// Runs the router: makes the logger, listens, and shuts down gracefully on SIGTERM/SIGINT: readiness
// turns false, the listener closes, in-flight deliveries are answered, running handlers get
// SHUTDOWN_GRACE_MS to finish (what does not is released for retry), the store closes, exit 0.
// A second signal exits at once. An uncaught error shuts down the same way, but the runs it cuts
// short count as attempts (one from a handler's own callback is failed with that error), exit 1.
import closeWithGrace from 'close-with-grace'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import app from './app.js'
import opsRoutes from './ops-routes.js'
import { routerServerOptions } from './server-options.js'

const server = Fastify({
  ...routerServerOptions(),
  logger: {
    level: 'info',
    // Defence in depth: the request serializer logs no headers, and this keeps it so.
    redact: ['req.headers["stripe-signature"]', 'req.headers.authorization']
  }
})

server.register(fp(app), { env: process.env })

let opsServer: FastifyInstance | undefined

try {
  await server.ready()
  const { config } = server
  // Margin over the handlers' grace, for answering in-flight deliveries and closing the store.
  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS + 5_000, logger: server.log }, async function closeServer ({ signal, err }) {
    if (err !== undefined) {
      // Before the first await: the listener still runs in the async context of the callback that threw.
      const eventId = server.eventInbox.stoppingAfterError(err)
      server.log.error({ err, eventId: eventId ?? undefined }, 'Shutting down after an error')
    } else server.log.info({ signal }, 'Shutting down')
    await opsServer?.close()
    await server.close()
  })
  if (config.METRICS_PORT !== undefined) {
    opsServer = Fastify({ loggerInstance: server.log.child({ listener: 'ops' }) })
    await opsServer.register(opsRoutes, { router: server })
    await opsServer.listen({ port: config.METRICS_PORT, host: config.HOST })
  }
  await server.listen({ port: config.PORT, host: config.HOST })
} catch (error) {
  // A refused start-up (a setting, a handler file) is explained by its message; the stack adds nothing.
  server.log.fatal({ code: (error as { code?: string }).code }, (error as Error).message)
  process.exit(1)
}
