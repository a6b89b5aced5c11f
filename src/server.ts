// Runs the router: makes the logger, listens, and shuts down gracefully on SIGTERM/SIGINT.
import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import app from './app.js'

const server = Fastify({
  logger: {
    level: 'info',
    // Defence in depth: the request serializer logs no headers, and this keeps it so.
    redact: ['req.headers["stripe-signature"]', 'req.headers.authorization']
  },
  // Stripe's deliveries carry no keep-alive expectations; a slow client must not hold a socket forever.
  requestTimeout: 30_000
})

server.register(fp(app), { env: process.env })

closeWithGrace({ delay: 10_000 }, async function closeServer ({ signal, err }) {
  if (err !== undefined) server.log.error({ err }, 'Shutting down after an error')
  else server.log.info({ signal }, 'Shutting down')
  await server.close()
})

try {
  await server.ready()
  await server.listen({ port: server.config.PORT, host: server.config.HOST })
} catch (error) {
  // A refused start-up (a setting, a handler file) is explained by its message; the stack adds nothing.
  server.log.fatal({ code: (error as { code?: string }).code }, (error as Error).message)
  process.exit(1)
}
