// The floor under any design that keeps what the issue names: fastify-raw-body capturing the bytes,
// stripe-node's verifyHeader over them, one JSON parse, and nothing else (no routing, no metrics,
// no logger, no guards). What the router costs beyond this is the router's own doing.
import Fastify from 'fastify'
import fastifyRawBody from 'fastify-raw-body'
import Stripe from 'stripe'

const endpointSecret = process.env.STRIPE_WEBHOOK_SECRET as string
const signature = Stripe.webhooks.signature as NonNullable<typeof Stripe.webhooks.signature>
const app = Fastify({ logger: false })
await app.register(fastifyRawBody, { field: 'rawBody', global: false, encoding: false, runFirst: true })
// The bytes are in rawBody: the parser only drains the stream, as the router's does.
app.removeContentTypeParser('application/json')
app.addContentTypeParser('application/json', (_request, payload, done) => {
  payload.resume()
  payload.on('end', () => done(null, undefined))
})

app.post('/webhook', { config: { rawBody: true } }, async (request, reply) => {
  const text = (request.rawBody as Buffer).toString('utf8')
  try {
    signature.verifyHeader(text, String(request.headers['stripe-signature']), endpointSecret, 300)
  } catch (error) {
    return await reply.code(400).send({ error: (error as Error).message })
  }
  const event = JSON.parse(text) as { type?: unknown }
  return { received: typeof event.type === 'string' }
})
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.once('SIGINT', () => { void app.close().then(() => process.exit(0)) })
