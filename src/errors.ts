// Every error the router raises or answers on purpose, keyed by its code as fastify's lib/errors.js
// is: a code the client or operator can match on, a status, and a message that says what was wrong
// and how to fix it. The groups say who reads an error; every list of codes is derived from them.
import createError, { type FastifyError } from '@fastify/error'

// Made only to be turned into an answer, never thrown: no stack worth capturing.
function answerOnly<C extends string, SC extends number> (code: C, message: string, status: SC) {
  return createError(code, message, status, Error, false)
}

// Start-up refusals: the service does not start, and the message is all the operator sees.
const startupRefusals = {
  INVALID_SETTING: createError('INVALID_SETTING', 'Invalid configuration: %s', 500),
  INVALID_HANDLER: createError('INVALID_HANDLER', '%s', 500)
}

// An operator command's refusal to create the store it was asked to read.
const commandRefusals = {
  STORE_NOT_FOUND: createError('STORE_NOT_FOUND',
    'No event store at %s (%s): check %s; the commands never create one, the service does on its first start', 500)
}

const InvalidSignature = createError('INVALID_SIGNATURE',
  'No signature in the Stripe-Signature header matches the body for any configured webhook secret', 400)

/**
 * No signature matches. `diagnose()` returns the likeliest cause, for the log only (never the
 * answer): it is worked out only when the refusal's line is written, since it costs several times
 * the check and a flood of forged deliveries must not buy that CPU.
 */
export class InvalidSignatureError extends InvalidSignature {
  constructor (readonly diagnose: () => string) {
    super()
  }
}

// Deliveries whose Stripe-Signature does not verify: worth a warning (a misconfigured secret, or
// someone probing) and a metric of their own (stripe_webhook_signature_failures_total).
const signatureRefusals = {
  MISSING_SIGNATURE: createError('MISSING_SIGNATURE',
    'The Stripe-Signature header is missing; Stripe signs every delivery, so this request did not come from Stripe', 400),
  MALFORMED_SIGNATURE_HEADER: createError('MALFORMED_SIGNATURE_HEADER',
    'The Stripe-Signature header could not be parsed: it needs a timestamp t=<seconds> and at least one v1=<64 hex digits>', 400),
  INVALID_SIGNATURE: InvalidSignatureError,
  TIMESTAMP_OUTSIDE_TOLERANCE: createError('TIMESTAMP_OUTSIDE_TOLERANCE',
    'The Stripe-Signature timestamp is more than %s seconds old; a replayed or delayed delivery is refused', 400)
}

// Other client faults: the answer says why, so whoever sent the request can correct it.
const requestRefusals = {
  UNSUPPORTED_CONTENT_ENCODING: createError('UNSUPPORTED_CONTENT_ENCODING',
    'Content-Encoding %s is not accepted: Stripe sends bodies uncompressed, and the signature is over those bytes', 415),
  BODY_TOO_LARGE: createError('BODY_TOO_LARGE', 'The request body is larger than the limit of %s bytes (BODY_LIMIT)', 413),
  EMPTY_BODY: createError('EMPTY_BODY', 'The request body is empty; a Stripe event was expected', 400),
  INVALID_JSON: createError('INVALID_JSON', 'The request body is not valid JSON: %s', 400),
  NOT_A_STRIPE_EVENT: createError('NOT_A_STRIPE_EVENT', 'The body is not a Stripe event: %s', 400),
  THIN_EVENT_NOT_SUPPORTED: createError('THIN_EVENT_NOT_SUPPORTED',
    'The body is a thin event notification (v2.core.event); this endpoint takes snapshot events, thin ones go to THIN_WEBHOOK_PATH', 400),
  SNAPSHOT_EVENT_NOT_SUPPORTED: createError('SNAPSHOT_EVENT_NOT_SUPPORTED',
    'The body is a snapshot event (object "event"); this endpoint takes thin event notifications, snapshot ones go to WEBHOOK_PATH', 400),
  METHOD_NOT_ALLOWED: createError('METHOD_NOT_ALLOWED', '%s is not accepted here: Stripe posts events with POST', 405),
  NOT_FOUND: answerOnly('NOT_FOUND', 'No route for %s %s; Stripe events are posted to %s', 404),
  // Fastify's own refusals, in the service's words.
  UNSUPPORTED_MEDIA_TYPE: answerOnly('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type: Stripe events are sent as application/json', 415),
  INVALID_CONTENT_LENGTH: answerOnly('INVALID_CONTENT_LENGTH', 'The Content-Length header does not match the body', 400),
  // Any other client fault Fastify raises: its own message, and its own 4xx status.
  BAD_REQUEST: answerOnly('BAD_REQUEST', '%s', 400),
  // Node's HTTP parser refuses these before Fastify sees the request (see startup/server-options.ts).
  HEADERS_TOO_LARGE: answerOnly('HEADERS_TOO_LARGE', 'The request headers are larger than the server accepts', 431),
  REQUEST_TIMEOUT: answerOnly('REQUEST_TIMEOUT', 'The request was not received in time', 408),
  MALFORMED_HTTP_REQUEST: answerOnly('MALFORMED_HTTP_REQUEST', 'The request is not valid HTTP/1.1', 400)
}

// Not a refusal of the delivery but what became of its event: each is a delivery outcome of its own
// in the metrics. Stripe retries both, and the retry finds the event settled or runs it again.
const eventOutcomes = {
  EVENT_IN_PROGRESS: createError('EVENT_IN_PROGRESS', 'Event %s is being handled by another delivery; retry later', 409),
  HANDLER_FAILED: createError('HANDLER_FAILED', 'The handler for %s failed; Stripe will retry the delivery', 500)
}

// Server faults. The store cannot take the event (down, locked, full, read-only, replaced): nothing
// was stored, so the delivery must fail for Stripe to retry it; 503 says the fault is ours and passing.
const serverFaults = {
  STORE_UNAVAILABLE: createError('STORE_UNAVAILABLE',
    'The event store cannot store events right now (%s); the event was not stored and Stripe will retry the delivery', 503),
  // Any error not raised on purpose: its message may hold internals, so the client sees only this.
  INTERNAL_ERROR: answerOnly('INTERNAL_ERROR', 'Internal server error', 500)
}

// Raised inside a handler (a thin event's fetch without a key): the handler fails, and is retried.
const handlerFaults = {
  STRIPE_SECRET_KEY_MISSING: createError('STRIPE_SECRET_KEY_MISSING',
    'Fetching a thin event\'s data needs STRIPE_SECRET_KEY, which is not set', 500)
}

/** Every error the router raises or answers on purpose, by code. */
export const errorCodes = {
  ...startupRefusals,
  ...commandRefusals,
  ...signatureRefusals,
  ...requestRefusals,
  ...eventOutcomes,
  ...serverFaults,
  ...handlerFaults
}

export type RouterErrorCode = keyof typeof errorCodes
export type EventOutcomeCode = keyof typeof eventOutcomes

// Each constructor is named after its code: the words in PascalCase, then `Error` unless the code
// already ends so (NOT_A_STRIPE_EVENT is NotAStripeEventError, INTERNAL_ERROR is InternalError).
export const {
  INVALID_SETTING: InvalidSettingError,
  INVALID_HANDLER: InvalidHandlerError,
  STORE_NOT_FOUND: StoreNotFoundError,
  MISSING_SIGNATURE: MissingSignatureError,
  MALFORMED_SIGNATURE_HEADER: MalformedSignatureHeaderError,
  TIMESTAMP_OUTSIDE_TOLERANCE: TimestampOutsideToleranceError,
  UNSUPPORTED_CONTENT_ENCODING: UnsupportedContentEncodingError,
  BODY_TOO_LARGE: BodyTooLargeError,
  EMPTY_BODY: EmptyBodyError,
  INVALID_JSON: InvalidJsonError,
  NOT_A_STRIPE_EVENT: NotAStripeEventError,
  THIN_EVENT_NOT_SUPPORTED: ThinEventNotSupportedError,
  SNAPSHOT_EVENT_NOT_SUPPORTED: SnapshotEventNotSupportedError,
  METHOD_NOT_ALLOWED: MethodNotAllowedError,
  NOT_FOUND: NotFoundError,
  UNSUPPORTED_MEDIA_TYPE: UnsupportedMediaTypeError,
  INVALID_CONTENT_LENGTH: InvalidContentLengthError,
  BAD_REQUEST: BadRequestError,
  HEADERS_TOO_LARGE: HeadersTooLargeError,
  REQUEST_TIMEOUT: RequestTimeoutError,
  MALFORMED_HTTP_REQUEST: MalformedHttpRequestError,
  EVENT_IN_PROGRESS: EventInProgressError,
  HANDLER_FAILED: HandlerFailedError,
  STORE_UNAVAILABLE: StoreUnavailableError,
  INTERNAL_ERROR: InternalError,
  STRIPE_SECRET_KEY_MISSING: StripeSecretKeyMissingError
} = errorCodes

type ErrorClass = new (...args: never[]) => FastifyError

// Answered to the client as they are: their messages are written for whoever sent the request.
// Start-up, command and handler errors never reach an answer.
const answeredErrors: ReadonlyMap<string, ErrorClass> = new Map(Object.entries({
  ...signatureRefusals, ...requestRefusals, ...eventOutcomes, ...serverFaults
}))

/** True for an error of the router's own whose message is written for the client and safe to send. */
export function isAnsweredError (error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error) || typeof error.code !== 'string') return false
  const AnsweredError = answeredErrors.get(error.code)
  return AnsweredError !== undefined && error instanceof AnsweredError
}

// An error whose message holds what is for the operator's log only (a file path, a host, a
// driver's words) answers with these words instead.
const answersWithoutCause: ReadonlyMap<string, string> = new Map(Object.entries({
  STORE_UNAVAILABLE: 'The event store cannot store events right now; the event was not stored, and Stripe will retry the delivery'
} satisfies { [C in RouterErrorCode]?: string }))

/** The text a client is sent for an answered error: its message, or the words that leave its cause out. */
export function answerText (error: FastifyError): string {
  return answersWithoutCause.get(error.code) ?? error.message
}

/** The codes of refused signatures: logged at warn with their likeliest cause, and counted apart. */
export const signatureFailureCodes: ReadonlySet<string> = new Set(Object.keys(signatureRefusals))

/** The codes of refused start-ups whose message is the whole explanation. */
export const startupRefusalCodes: ReadonlySet<string> = new Set(Object.keys(startupRefusals))

/** True for a code that says what became of the delivery's event (a delivery outcome of its own), not a refusal. */
export function isEventOutcomeCode (code: string): code is EventOutcomeCode {
  return Object.hasOwn(eventOutcomes, code)
}
