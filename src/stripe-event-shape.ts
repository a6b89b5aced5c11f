// A verified body is trusted to come from Stripe, not to be well formed: a signed array or a JSON
// object without an id or type would otherwise reach handlers and fail as a 5xx that Stripe retries
// for days. This check refuses it once, as the client fault it is.
import type Stripe from 'stripe'
import { NotAStripeEventError, ThinEventOnSnapshotRouteError } from './errors.js'

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isNonEmptyString (value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

/** The body as a Stripe event, or a 400 that says which part is missing. */
export function assertStripeEvent (body: unknown): Stripe.Event {
  if (!isPlainObject(body)) {
    throw new NotAStripeEventError(`expected a JSON object, got ${Array.isArray(body) ? 'an array' : typeof body}`)
  }
  if (body.object === 'v2.core.event') throw new ThinEventOnSnapshotRouteError()
  if (!isNonEmptyString(body.id)) throw new NotAStripeEventError('"id" must be a non-empty string such as "evt_..."')
  if (!isNonEmptyString(body.type)) throw new NotAStripeEventError('"type" must be an event type such as "payment_intent.succeeded"')
  if (!isPlainObject(body.data) || !isPlainObject(body.data.object)) {
    throw new NotAStripeEventError('"data.object" must be the object the event is about')
  }
  return body as unknown as Stripe.Event
}
