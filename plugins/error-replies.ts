// Turns every error into one JSON shape, `{ error, code }`: a client's fault is a 4xx that says
// what was wrong; only the service's own faults are a 5xx, and those never leak internals. Each
// refusal is one log line, rate-limited per code so that a flood or an outage cannot drown the log.
import type { FastifyError, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import {
  InvalidSignatureError,
  NotFoundError,
  StoreUnavailableError,
  answerText,
  signatureFailureCodes
} from '../src/errors.js'
import { createRefusalLogLimiter } from '../src/logging/refusal-log-limiter.js'
import { answeredError, isClientFault } from '../src/routes/answered-error.js'

export interface ErrorReply {
  error: string
  code: string
}

const errorReplies: FastifyPluginAsync = async (fastify) => {
  const bodyLimit = fastify.config.BODY_LIMIT
  const refusalLog = createRefusalLogLimiter(fastify.log)
  fastify.addHook('onClose', async () => refusalLog.flush())

  fastify.setErrorHandler<FastifyError>(async function replyWithError (error, request, reply) {
    const statusCode = error.statusCode ?? 500
    const event = request.stripeEvent
    const answered = answeredError(error, bodyLimit)
    const body: ErrorReply = { error: answerText(answered), code: answered.code }
    if (!refusalLog.admit(body.code)) {
      // Counted for the summary line only; nor is a signature failure diagnosed, which costs CPU.
    } else if (isClientFault(statusCode)) {
      if (signatureFailureCodes.has(body.code)) {
        const likelyCause = error instanceof InvalidSignatureError ? error.diagnose() : undefined
        request.log.warn({ statusCode, reason: body.code, likelyCause }, `Stripe signature verification failed: ${body.error}`)
      } else {
        request.log.info({ eventId: event?.id, eventType: event?.type, statusCode, code: body.code }, body.error)
      }
    } else if (error instanceof StoreUnavailableError) {
      // Expected while the database is down, once per refused delivery: the event and the cause, no stack.
      // The cause (a file path, a host, a driver's words) is for this line only, never the answer.
      request.log.error({ eventId: event?.id, eventType: event?.type, code: body.code, statusCode }, error.message)
    } else {
      request.log.error({ eventId: event?.id, eventType: event?.type, code: body.code, err: error }, 'Request failed')
    }
    return reply.code(statusCode).send(body)
  })

  // A request that matches no route is most often an endpoint URL registered wrong in Stripe: shown
  // at warn and counted (stripe_webhook_unrouted_requests_total), so an alert can fire on it.
  fastify.setNotFoundHandler(async function replyNotFound (request, reply) {
    const path = request.url.split('?')[0]
    const notFound = new NotFoundError(request.method, path, fastify.config.WEBHOOK_PATH)
    fastify.metrics.countUnroutedRequest(request.method, notFound.statusCode)
    if (refusalLog.admit(notFound.code)) {
      request.log.warn({ method: request.method, path, statusCode: notFound.statusCode, code: notFound.code }, `No route for ${request.method} ${path}`)
    }
    return reply.code(notFound.statusCode).send({ error: notFound.message, code: notFound.code } satisfies ErrorReply)
  })
}

export default fp(errorReplies, { name: 'error-replies', fastify: '5.x', dependencies: ['config', 'metrics'] })
