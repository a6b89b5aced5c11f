// Which error a client is answered for any error a request raised: shared by the error replies
// (the answer and its log line) and the webhook route (its metrics), so that both name one code.
import type { FastifyError } from 'fastify'
import {
  BadRequestError,
  BodyTooLargeError,
  InternalError,
  InvalidContentLengthError,
  UnsupportedMediaTypeError,
  isAnsweredError
} from '../errors.js'

// Fastify's own client-fault errors, as the service's.
const fastifyClientErrors = new Map<string, (bodyLimit: number) => FastifyError>([
  ['FST_ERR_CTP_BODY_TOO_LARGE', (bodyLimit) => new BodyTooLargeError(bodyLimit)],
  ['FST_ERR_CTP_INVALID_MEDIA_TYPE', () => new UnsupportedMediaTypeError()],
  ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', () => new InvalidContentLengthError()]
])

/** Whether an HTTP status is a client's fault (4xx). */
export const isClientFault = (statusCode: number): boolean => statusCode >= 400 && statusCode < 500

/**
 * `error` as the client sees it: one of the router's answered errors. Only errors raised on purpose
 * explain themselves to the client; anything else may hold internals and is an INTERNAL_ERROR.
 * `bodyLimit` (bytes) is what a BODY_TOO_LARGE answer names.
 */
export function answeredError (error: FastifyError, bodyLimit: number): FastifyError {
  if (isAnsweredError(error)) return error
  if (!isClientFault(error.statusCode ?? 500)) return new InternalError()
  return fastifyClientErrors.get(error.code)?.(bodyLimit) ?? new BadRequestError(error.message)
}

/** The code a client sees for `error`: the same in the reply body, the logs and the metrics. */
export function publicErrorCode (error: FastifyError): string {
  return answeredError(error, 0).code
}
