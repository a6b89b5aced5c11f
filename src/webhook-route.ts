// POST <WEBHOOK_PATH>: the one route Stripe calls. The raw body is captured for this route only,
// the signature is checked before the handler runs, and the reply tells Stripe whether to retry.
import type { FastifyPluginAsync } from 'fastify'
import rawBody from '../plugins/raw-body.js'

const webhookRoute: FastifyPluginAsync = async (fastify) => {
  await fastify.register(rawBody)

  fastify.post(fastify.config.WEBHOOK_PATH, {
    bodyLimit: fastify.config.BODY_LIMIT,
    config: { rawBody: true },
    preValidation: fastify.verifyStripeSignature
  }, async function receiveStripeEvent (request) {
    const event = request.stripeEvent
    if (event === null || !Buffer.isBuffer(request.rawBody)) throw new Error('verifyStripeSignature did not run before the webhook route')
    await fastify.eventInbox.receive(event, request.rawBody, request.log)
    return { received: true }
  })
}

export default webhookRoute
