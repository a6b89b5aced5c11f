// POST <WEBHOOK_PATH>: the one route Stripe calls. The raw body is captured for this route only,
// the signature is checked before the handler runs, and the reply tells Stripe whether to retry.
import type { FastifyError, FastifyPluginAsync } from 'fastify'
import Stripe from 'stripe'
import { publicErrorCode } from '../plugins/error-replies.js'
import rawBody from '../plugins/raw-body.js'
import type { DeliveryOutcome } from '../plugins/metrics.js'
import { UnsupportedContentEncodingError } from './errors.js'

const outcomeOfError: Record<string, DeliveryOutcome> = {
  EVENT_IN_PROGRESS: 'in_progress',
  HANDLER_FAILED: 'handler_failed'
}

const webhookRoute: FastifyPluginAsync = async (fastify) => {
  await fastify.register(rawBody)
  const expectedApiVersion = fastify.config.STRIPE_API_VERSION ?? Stripe.API_VERSION

  fastify.post(fastify.config.WEBHOOK_PATH, {
    bodyLimit: fastify.config.BODY_LIMIT,
    config: { rawBody: true },
    // Refused before the body is read: a compressed body is neither what Stripe signs nor what it sends.
    onRequest: (request, _reply, done) => {
      const encoding = request.headers['content-encoding']
      if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
        done(new UnsupportedContentEncodingError(JSON.stringify(encoding)))
        return
      }
      done()
    },
    preValidation: fastify.verifyStripeSignature,
    // Every refusal is counted, by its code; the error handler answers it.
    onError: async (request, _reply, error: FastifyError) => {
      const code = publicErrorCode(error)
      fastify.metrics.countDelivery(request.stripeEvent?.type ?? 'unknown', outcomeOfError[code] ?? 'rejected', code)
    }
  }, async function receiveStripeEvent (request) {
    const event = request.stripeEvent
    if (event === null || !Buffer.isBuffer(request.rawBody)) throw new Error('verifyStripeSignature did not run before the webhook route')
    if (event.api_version !== expectedApiVersion && typeof event.api_version === 'string') {
      // Handled all the same: the payload may lack or rename fields the handler's types promise.
      fastify.metrics.countApiVersionMismatch(event.api_version)
      request.log.warn({ eventId: event.id, eventType: event.type, apiVersion: event.api_version, expectedApiVersion },
        `Event ${event.id} has API version ${event.api_version}; the handlers are written for ${expectedApiVersion}`)
    }
    const outcome = await fastify.eventInbox.receive(event, request.rawBody, request.log)
    fastify.metrics.countDelivery(event.type, outcome)
    return { received: true }
  })
}

export default webhookRoute
