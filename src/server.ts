// Runs the router: makes the logger, listens, and shuts down gracefully on SIGTERM/SIGINT/SIGHUP:
// readiness turns false, the listener closes, in-flight deliveries are answered, running handlers get
// SHUTDOWN_GRACE_MS to finish (what does not is released for retry), the store closes, exit 0.
// A second signal exits at once. An uncaught error shuts down the same way, but the runs it cuts
// short count as attempts (one from a handler's own callback is failed with that error), exit 1.
import closeWithGrace from 'close-with-grace'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { opsPort } from '../config/resolved-settings.js'
import app from './app.js'
import opsRoutes from './routes/ops-routes.js'
import { redactCredentials } from './logging/redact-credentials.js'
import { standardOutput } from './startup/log-destination.js'
import { routerServerOptions } from './startup/server-options.js'
import { explainStartupFailure, type StartupStep } from './startup/startup-errors.js'
import { startupSummary } from './startup/startup-summary.js'

const server = Fastify({
  ...routerServerOptions(),
  logger: {
    level: 'info',
    // Defence in depth: the request serializer logs no headers, and this keeps it so.
    redact: ['req.headers["stripe-signature"]', 'req.headers.authorization'],
    // Whatever a line holds (a driver's error, a setting echoed), no credential leaves the process.
    hooks: { streamWrite: redactCredentials },
    // A closed terminal ends the logging, not the process's exit (startup/log-destination.ts).
    stream: standardOutput()
  }
})

server.register(fp(app), { env: process.env })

let opsServer: FastifyInstance | undefined
let step: StartupStep = 'ready'

try {
  await server.ready()
  const { config } = server
  // Margin over the handlers' grace, for answering in-flight deliveries and closing the store.
  // SIGHUP (the terminal closed) is a shutdown like SIGTERM. The fault signals (SIGSEGV, SIGBUS,
  // SIGFPE, SIGILL) are left to Node's default: a JS listener for them returns to the faulting
  // instruction, and the process spins at full CPU forever instead of dying.
  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS + 5_000, logger: server.log, skip: ['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGTRAP', 'SIGABRT'] },
    async function closeServer ({ signal, err }) {
      if (err !== undefined) {
        // Before the first await: the listener still runs in the async context of the callback that threw.
        const eventId = server.eventInbox.stoppingAfterError(err)
        server.log.error({ err, eventId: eventId ?? undefined }, 'Shutting down after an error')
      } else server.log.info({ signal }, 'Shutting down')
      await opsServer?.close()
      await server.close()
    })
  const metricsPort = opsPort(config)
  if (metricsPort !== undefined) {
    step = 'listen-metrics'
    opsServer = Fastify({ loggerInstance: server.log.child({ listener: 'ops' }) })
    await opsServer.register(opsRoutes, { router: server })
    await opsServer.listen({ port: metricsPort, host: config.HOST })
  }
  step = 'listen'
  const address = await server.listen({ port: config.PORT, host: config.HOST })
  const summary = startupSummary(config, address, server.stripeHandlers.types.length)
  server.log.info(summary.fields, summary.message)
} catch (error) {
  // A refused start-up names the setting to change; only an unexpected error carries its stack.
  const failure = explainStartupFailure(error, step, step === 'ready' && !server.hasDecorator('config') ? undefined : server.config)
  server.log.fatal(failure.fields, failure.message)
  process.exit(1)
}
