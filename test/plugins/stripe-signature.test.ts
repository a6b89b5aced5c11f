// The signature plugin on a bare Fastify, outside the app: any route can opt in to verified events.
import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import config from '../../plugins/config.js'
import errorReplies from '../../plugins/error-replies.js'
import metrics from '../../plugins/metrics.js'
import rawBody from '../../plugins/raw-body.js'
import stripeSignature from '../../plugins/stripe-signature.js'
import { loadFixture, signPayload, TEST_WEBHOOK_SECRET } from '../helper.js'

async function bareApp (t: { teardown: (fn: () => unknown) => void }): Promise<FastifyInstance> {
  const fastify = Fastify({ logger: false })
  t.teardown(() => fastify.close())
  await fastify.register(config, { env: { STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET } })
  await fastify.register(metrics)
  await fastify.register(errorReplies)
  await fastify.register(stripeSignature)
  await fastify.register(async (scope) => {
    await scope.register(rawBody)
    scope.post('/events', { config: { rawBody: true }, preValidation: scope.verifyStripeSignature }, async (request) => {
      return { type: request.stripeEvent?.type, id: request.stripeEvent?.id }
    })
  })
  addPlainJsonRoute(fastify)
  await fastify.ready()
  return fastify
}

// A route outside the raw-body scope keeps Fastify's JSON parsing, untouched by the plugin.
function addPlainJsonRoute (fastify: FastifyInstance): void {
  fastify.post('/echo', async (request) => request.body)
}

test('a route that uses verifyStripeSignature gets the parsed, verified event', async (t) => {
  const fastify = await bareApp(t)
  const payload = JSON.stringify(loadFixture('balance.available'))
  const response = await fastify.inject({
    method: 'POST',
    url: '/events',
    headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload) },
    payload
  })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { type: 'balance.available', id: 'evt_1QxM4bLkdIwHu7ixYp2v8HcE' })
})

test('an unsigned request never reaches the route', async (t) => {
  const fastify = await bareApp(t)
  const response = await fastify.inject({ method: 'POST', url: '/events', payload: { id: 'evt_1' } })
  t.equal(response.statusCode, 400)
  t.equal(response.json().code, 'MISSING_SIGNATURE')
})

test('routes outside the raw-body scope still parse JSON as usual', async (t) => {
  const fastify = await bareApp(t)
  const response = await fastify.inject({ method: 'POST', url: '/echo', payload: { hello: 'world' } })
  t.same(response.json(), { hello: 'world' })
  t.equal(fastify.hasRequestDecorator('stripeEvent'), true)
})
