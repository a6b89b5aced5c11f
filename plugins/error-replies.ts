// Turns every error into one JSON shape, `{ error, code }`: a client's fault is a 4xx that says
// what was wrong; only the service's own faults are a 5xx, and those never leak internals. Each
// refusal is one log line, rate-limited per code so that a flood or an outage cannot drown the log.
import type { FastifyError, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { isRouterError, signatureFailureCodes } from '../src/errors.js'
import { createRefusalLogLimiter } from '../src/logging/refusal-log-limiter.js'

export interface ErrorReply {
  error: string
  code: string
}

// Fastify's own client-fault errors, in the service's words.
const fastifyClientErrors: Record<string, (error: FastifyError, bodyLimit: number) => ErrorReply> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_error, bodyLimit) => ({
    error: `The request body is larger than the limit of ${bodyLimit} bytes (BODY_LIMIT)`,
    code: 'BODY_TOO_LARGE'
  }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => ({
    error: 'Unsupported Content-Type: Stripe events are sent as application/json',
    code: 'UNSUPPORTED_MEDIA_TYPE'
  }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => ({
    error: 'The Content-Length header does not match the body',
    code: 'INVALID_CONTENT_LENGTH'
  })
}

/** The code a client sees for `error`: the same in the reply body, the logs and the metrics. */
export function publicErrorCode (error: FastifyError): string {
  const statusCode = error.statusCode ?? 500
  if (statusCode < 500) return clientErrorReply(error, 0).code
  return isRouterError(error) ? error.code : 'INTERNAL_ERROR'
}

function clientErrorReply (error: FastifyError, bodyLimit: number): ErrorReply {
  const known = fastifyClientErrors[error.code]
  if (known !== undefined) return known(error, bodyLimit)
  if (isRouterError(error)) return { error: error.message, code: error.code }
  return { error: error.message, code: 'BAD_REQUEST' }
}

const storeUnavailableReply = 'The event store cannot store events right now; the event was not stored, and Stripe will retry the delivery'

const errorReplies: FastifyPluginAsync = async (fastify) => {
  const bodyLimit = fastify.config.BODY_LIMIT
  const refusalLog = createRefusalLogLimiter(fastify.log)
  fastify.addHook('onClose', async () => refusalLog.flush())

  fastify.setErrorHandler<FastifyError>(async function replyWithError (error, request, reply) {
    const statusCode = error.statusCode ?? 500
    const event = request.stripeEvent
    if (statusCode >= 400 && statusCode < 500) {
      const body = clientErrorReply(error, bodyLimit)
      if (!refusalLog.admit(body.code)) {
        // Counted for the summary line only; nor is a signature failure diagnosed, which costs CPU.
      } else if (signatureFailureCodes.has(body.code)) {
        const { diagnose } = error as { diagnose?: () => string }
        request.log.warn({ statusCode, reason: body.code, likelyCause: diagnose?.() }, `Stripe signature verification failed: ${body.error}`)
      } else {
        request.log.info({ eventId: event?.id, eventType: event?.type, statusCode, code: body.code }, body.error)
      }
      return reply.code(statusCode).send(body)
    }
    const code = publicErrorCode(error)
    if (!refusalLog.admit(code)) {
      // Counted for the summary line only.
    } else if (error.code === 'STORE_UNAVAILABLE') {
      // Expected while the database is down, once per refused delivery: the event and the cause, no stack.
      request.log.error({ eventId: event?.id, eventType: event?.type, code: error.code, statusCode }, error.message)
    } else {
      request.log.error({ eventId: event?.id, eventType: event?.type, code, err: error }, 'Request failed')
    }
    // Only errors raised on purpose explain themselves to the client; anything else may hold internals.
    // A store failure's cause (a file path, a host, a driver's words) is for the operator's log only.
    const ownError = isRouterError(error)
    return reply.code(statusCode).send({
      error: error.code === 'STORE_UNAVAILABLE' ? storeUnavailableReply : ownError ? error.message : 'Internal server error',
      code: ownError ? error.code : 'INTERNAL_ERROR'
    })
  })

  // A request that matches no route is most often an endpoint URL registered wrong in Stripe: shown
  // at warn and counted (stripe_webhook_unrouted_requests_total), so an alert can fire on it.
  fastify.setNotFoundHandler(async function replyNotFound (request, reply) {
    const path = request.url.split('?')[0]
    fastify.metrics?.countUnroutedRequest(request.method, 404)
    if (refusalLog.admit('NOT_FOUND')) {
      request.log.warn({ method: request.method, path, statusCode: 404, code: 'NOT_FOUND' }, `No route for ${request.method} ${path}`)
    }
    return reply.code(404).send({
      error: `No route for ${request.method} ${path}; Stripe events are posted to ${fastify.config.WEBHOOK_PATH}`,
      code: 'NOT_FOUND'
    })
  })
}

export default fp(errorReplies, { name: 'error-replies', fastify: '5.x', dependencies: ['config'] })
