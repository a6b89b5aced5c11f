// POST <WEBHOOK_PATH> (snapshot events from webhook endpoints) and POST <THIN_WEBHOOK_PATH> (thin
// event notifications from event destinations): the routes Stripe calls. The raw body is captured
// for these routes only, the signature is checked before the handler runs, and the reply tells
// Stripe whether to retry.
import type { FastifyError, FastifyInstance, FastifyPluginAsync, HTTPMethods, preValidationHookHandler } from 'fastify'
import Stripe from 'stripe'
import rawBody from '../../plugins/raw-body.js'
import { MethodNotAllowedError, isEventOutcomeCode, type EventOutcomeCode } from '../errors.js'
import type { DeliveryOutcome, ReceiveOutcome } from '../inbox/receive-outcome.js'
import { isCompatibleApiVersion } from '../delivery/api-versions.js'
import { publicErrorCode } from './answered-error.js'
import { eventApiVersion } from '../delivery/routed-event.js'
import { logsAt } from '../logging/lazy-child-logger.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** What the inbox did with the delivery, for its log line; null when it was refused. */
    deliveryOutcome: ReceiveOutcome | null
  }
}

// Every other method on an event path is a 405 naming POST (HEAD comes with GET), not a 404.
const otherMethods: HTTPMethods[] = ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

// A delivery that failed for what became of its event counts as that outcome; any other refusal is `rejected`.
const outcomeOfEventError: { readonly [C in EventOutcomeCode]: DeliveryOutcome } = {
  EVENT_IN_PROGRESS: 'in_progress',
  HANDLER_FAILED: 'handler_failed'
}

function declareEventRoute (fastify: FastifyInstance, path: string, verify: preValidationHookHandler): void {
  const expectedApiVersion = fastify.config.STRIPE_API_VERSION ?? Stripe.API_VERSION
  // Nearly every event carries the same version: its verdict is kept, not worked out per delivery.
  let lastApiVersion: string | null = null
  let lastCompatible = true
  const isCompatible = (apiVersion: string): boolean => {
    if (apiVersion !== lastApiVersion) {
      lastCompatible = isCompatibleApiVersion(apiVersion, expectedApiVersion)
      lastApiVersion = apiVersion
    }
    return lastCompatible
  }

  fastify.post(path, {
    bodyLimit: fastify.config.BODY_LIMIT,
    config: { rawBody: true },
    preValidation: verify,
    // Every refusal is counted, by its code; the error handler answers it.
    onError: async (request, _reply, error: FastifyError) => {
      const code = publicErrorCode(error)
      fastify.metrics.countDelivery(request.stripeEvent?.type ?? 'unknown', isEventOutcomeCode(code) ? outcomeOfEventError[code] : 'rejected', code)
    },
    // One line per delivery, with what an operator looks for: which event, what became of it; a
    // refused one has had its line from the error handler (rate-limited there), with its code.
    // Callback style, not async: a promise per delivery is measurable.
    onResponse: (request, reply, done) => {
      // Not built at all when the level drops it (LOG_LEVEL=warn): the line is an object per delivery.
      if (request.deliveryOutcome === null || !logsAt(request.log, 'info')) {
        done()
        return
      }
      const event = request.stripeEvent
      request.log.info({
        eventId: event?.id,
        eventType: event?.type,
        outcome: request.deliveryOutcome,
        statusCode: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime * 10) / 10
      }, 'Stripe delivery answered')
      done()
    }
  }, async function receiveStripeEvent (request) {
    const event = request.stripeEvent
    if (event === null || !Buffer.isBuffer(request.rawBody)) throw new Error('the signature check did not run before the webhook route')
    const apiVersion = eventApiVersion(event)
    if (apiVersion !== null && !isCompatible(apiVersion)) {
      // Handled all the same: the payload may lack or rename fields the handler's types promise.
      // Another monthly version of the same release is no mismatch: it only adds.
      fastify.metrics.countApiVersionMismatch(apiVersion)
      request.log.warn({ eventId: event.id, eventType: event.type, apiVersion, expectedApiVersion },
        `Event ${event.id} has API version ${apiVersion}; the handlers are written for ${expectedApiVersion}`)
    }
    const outcome = await fastify.eventInbox.receive(event, request.rawBody, request.log)
    request.deliveryOutcome = outcome
    fastify.metrics.countDelivery(event.type, outcome)
    if (outcome === 'ignored') fastify.metrics.countIgnoredEvent(event.livemode)
    return { received: true }
  })

  fastify.route({
    method: otherMethods,
    url: path,
    // Refused before the body is read: no parser waits on a body this route never wants.
    onRequest: async function refuseOtherMethod (request, reply) {
      const refusal = new MethodNotAllowedError(request.method)
      fastify.metrics.countUnroutedRequest(request.method, refusal.statusCode)
      void reply.header('allow', 'POST')
      throw refusal
    },
    handler: async () => { throw new Error('unreachable: onRequest refuses every request here') }
  })
}

const webhookRoute: FastifyPluginAsync = async (fastify) => {
  await fastify.register(rawBody)
  fastify.decorateRequest('deliveryOutcome', null)
  declareEventRoute(fastify, fastify.config.WEBHOOK_PATH, fastify.verifyStripeSignature)
  declareEventRoute(fastify, fastify.config.THIN_WEBHOOK_PATH, fastify.verifyThinEventSignature)
}

export default webhookRoute
