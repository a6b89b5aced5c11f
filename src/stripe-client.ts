// The one way the service and its commands build a stripe-node client: the configured key and API
// host, no telemetry. Tests point it at a local fake of the API through STRIPE_API_HOST/_PORT/_PROTOCOL.
import Stripe from 'stripe'
import type { Settings } from '../config/settings.js'

export type StripeApiSettings = Pick<Settings, 'STRIPE_API_HOST' | 'STRIPE_API_PORT' | 'STRIPE_API_PROTOCOL'>

/**
 * A client for `key` against the configured Stripe API (api.stripe.com over https unless the
 * settings name another host, port or protocol). `maxNetworkRetries` is stripe-node's own retry of
 * connection errors, 409s and 5xx (0 unless given); it does not retry a 429 (see list-events.ts).
 */
export function createStripeClient (key: string, settings: StripeApiSettings, maxNetworkRetries?: number): Stripe {
  return new Stripe(key, {
    host: settings.STRIPE_API_HOST,
    port: settings.STRIPE_API_PORT,
    protocol: settings.STRIPE_API_PROTOCOL,
    telemetry: false,
    maxNetworkRetries
  })
}
