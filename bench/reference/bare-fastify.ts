// The baseline: a bare Fastify route that only parses the JSON body. No verification, no routing.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.post('/webhook', async (request) => {
  return { received: (request.body as { id?: unknown }).id !== undefined }
})
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
