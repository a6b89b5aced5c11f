// The usual Fastify recipe: fastify-raw-body on the route, Fastify's JSON parser, then stripe-node's
// constructEvent (which parses the body a second time), and a switch on the type.
import Fastify from 'fastify'
import fastifyRawBody from 'fastify-raw-body'
import Stripe from 'stripe'

const stripe = new Stripe('sk_test_benchmark_only')
const endpointSecret = process.env.STRIPE_WEBHOOK_SECRET as string
const app = Fastify({ logger: false })
await app.register(fastifyRawBody, { field: 'rawBody', global: false, encoding: 'utf8', runFirst: true })

app.post('/webhook', { config: { rawBody: true } }, async (request, reply) => {
  let event: Stripe.Event
  try {
    event = stripe.webhooks.constructEvent(request.rawBody as string, request.headers['stripe-signature'] ?? '', endpointSecret)
  } catch (error) {
    return await reply.code(400).send({ error: (error as Error).message })
  }
  switch (event.type) {
    case 'payment_intent.succeeded':
      break
    default:
  }
  return { received: true }
})
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.once('SIGINT', () => { void app.close().then(() => process.exit(0)) })
