// One-line scenarios for handler tests: the deliveries Stripe really makes that a handler must
// survive. Each signs exactly as Stripe does and waits until the inbox has settled.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type Stripe from 'stripe'
import { buildEvent, type BuildEventOptions } from '../src/samples/build-event.js'
import type { StripeEventOf, StripeSnapshotEventType } from '../src/define-handler.js'
import type { RoutedEvent } from '../src/delivery/routed-event.js'
import { deliver, settle } from './helper.js'

/** The same event (same id) delivered twice, as Stripe's at-least-once retries do. */
export async function deliverTwice (app: FastifyInstance, event: RoutedEvent): Promise<[LightMyRequestResponse, LightMyRequestResponse]> {
  const first = await deliver(app, event)
  const second = await deliver(app, event)
  await settle(app)
  return [first, second]
}

/** The event signed `ageSeconds` ago (by default just past the service's tolerance): a replay. */
export async function deliverStale (app: FastifyInstance, event: RoutedEvent, ageSeconds?: number): Promise<LightMyRequestResponse> {
  const age = ageSeconds ?? app.config.STRIPE_SIGNATURE_TOLERANCE + 60
  const response = await deliver(app, event, { timestamp: Math.floor(Date.now() / 1000) - age })
  await settle(app)
  return response
}

/** The event signed with a secret the service does not have: another endpoint's, or a forger's. */
export async function deliverWithWrongSecret (app: FastifyInstance, event: RoutedEvent): Promise<LightMyRequestResponse> {
  const response = await deliver(app, event, { secret: 'whsec_another_endpoints_secret_0000000000' })
  await settle(app)
  return response
}

/** An event whose `data.previous_attributes` says what changed, e.g. `{ status: 'trialing' }`. */
export function eventWithPreviousAttributes<T extends StripeSnapshotEventType> (
  type: T,
  previousAttributes: Record<string, unknown>,
  options: Omit<BuildEventOptions, 'previousAttributes'> = {}
): StripeEventOf<T> {
  return buildEvent(type, { ...options, previousAttributes })
}

/**
 * Two events delivered newest first, as Stripe may: it does not promise order. `older` gets a
 * `created` time before `newer`'s, so a handler can tell which is current.
 */
export async function deliverOutOfOrder (
  app: FastifyInstance,
  older: Stripe.Event,
  newer: Stripe.Event
): Promise<[LightMyRequestResponse, LightMyRequestResponse]> {
  const newerCreated = Math.max(newer.created, older.created + 1)
  const olderDelivered = { ...older, created: Math.min(older.created, newerCreated - 1) }
  const newerResponse = await deliver(app, { ...newer, created: newerCreated })
  const olderResponse = await deliver(app, olderDelivered)
  await settle(app)
  return [newerResponse, olderResponse]
}
