// Every error the router raises on purpose: a code the client or operator can match on, a status,
// and a message that says what was wrong and how to fix it.
import createError, { type FastifyErrorConstructor } from '@fastify/error'

// Start-up refusals: the service does not start, and the message is all the operator sees.
export const InvalidSettingError = createError('INVALID_SETTING', 'Invalid configuration: %s', 500)
export const InvalidHandlerError = createError('INVALID_HANDLER', '%s', 500)

// An operator command's refusal to create the store it was asked to read: the settings name none.
export const StoreNotFoundError = createError('STORE_NOT_FOUND',
  'No event store at %s (%s): check %s; the commands never create one, the service does on its first start', 500)

// Delivery refusals: the body says why, so whoever sent it can correct it.
export const MissingSignatureError = createError('MISSING_SIGNATURE',
  'The Stripe-Signature header is missing; Stripe signs every delivery, so this request did not come from Stripe',
  400
)
export const MalformedSignatureHeaderError = createError('MALFORMED_SIGNATURE_HEADER',
  'The Stripe-Signature header could not be parsed: it needs a timestamp t=<seconds> and at least one v1=<64 hex digits>',
  400
)
export const InvalidSignatureError = createError('INVALID_SIGNATURE',
  'No signature in the Stripe-Signature header matches the body for any configured webhook secret',
  400
)
export const StaleSignatureError = createError('TIMESTAMP_OUTSIDE_TOLERANCE',
  'The Stripe-Signature timestamp is more than %s seconds old; a replayed or delayed delivery is refused',
  400
)
export const UnsupportedContentEncodingError = createError('UNSUPPORTED_CONTENT_ENCODING',
  'Content-Encoding %s is not accepted: Stripe sends bodies uncompressed, and the signature is over those bytes', 415)
export const BodyTooLargeError = createError('BODY_TOO_LARGE', 'The request body is larger than the limit of %s bytes (BODY_LIMIT)', 413)
export const EmptyBodyError = createError('EMPTY_BODY', 'The request body is empty; a Stripe event was expected', 400)
export const InvalidJsonError = createError('INVALID_JSON', 'The request body is not valid JSON: %s', 400)
export const NotAStripeEventError = createError('NOT_A_STRIPE_EVENT', 'The body is not a Stripe event: %s', 400)
export const ThinEventOnSnapshotRouteError = createError('THIN_EVENT_NOT_SUPPORTED',
  'The body is a thin event notification (v2.core.event); this endpoint takes snapshot events, thin ones go to THIN_WEBHOOK_PATH',
  400
)
export const SnapshotEventOnThinRouteError = createError('SNAPSHOT_EVENT_NOT_SUPPORTED',
  'The body is a snapshot event (object "event"); this endpoint takes thin event notifications, snapshot ones go to WEBHOOK_PATH',
  400
)
export const ThinEventFetchUnavailableError = createError('STRIPE_SECRET_KEY_MISSING',
  'Fetching a thin event\'s data needs STRIPE_SECRET_KEY, which is not set', 500)
export const MethodNotAllowedError = createError('METHOD_NOT_ALLOWED',
  '%s is not accepted here: Stripe posts events with POST', 405)

// Not a fault: another delivery of the same event holds it right now, and Stripe's retry will find it settled.
export const EventInProgressError = createError('EVENT_IN_PROGRESS',
  'Event %s is being handled by another delivery; retry later', 409)

// Server faults: Stripe retries a 5xx, which is what a failed handler wants.
export const HandlerFailedError = createError('HANDLER_FAILED',
  'The handler for %s failed; Stripe will retry the delivery',
  500
)

// The store cannot take the event (down, locked, full, read-only, replaced): nothing was stored, so
// the delivery must fail for Stripe to retry it; 503 says the fault is ours and passing.
export const StoreUnavailableError = createError('STORE_UNAVAILABLE',
  'The event store cannot store events right now (%s); the event was not stored and Stripe will retry the delivery',
  503
)

const routerErrors: FastifyErrorConstructor[] = [
  InvalidSettingError, InvalidHandlerError, MissingSignatureError, MalformedSignatureHeaderError,
  InvalidSignatureError, StaleSignatureError, UnsupportedContentEncodingError, BodyTooLargeError, EmptyBodyError, InvalidJsonError, NotAStripeEventError,
  ThinEventOnSnapshotRouteError, SnapshotEventOnThinRouteError, MethodNotAllowedError, EventInProgressError, HandlerFailedError, StoreUnavailableError
]

/** True for the errors above, whose messages are written for the client and safe to send. */
export function isRouterError (error: unknown): boolean {
  return routerErrors.some((RouterError) => error instanceof RouterError)
}

/** The codes of refused signatures: worth a warning (a misconfigured secret, or someone probing) and a metric. */
export const signatureFailureCodes: ReadonlySet<string> = new Set([
  'MISSING_SIGNATURE', 'MALFORMED_SIGNATURE_HEADER', 'INVALID_SIGNATURE', 'TIMESTAMP_OUTSIDE_TOLERANCE'
])
