// Turns a stored thin event into the notification stripe-node hands out: the same fields, plus
// `fetchEvent()` and `fetchRelatedObject()` bound to a client with the configured key and context.
// Built at dispatch, not at receipt, so an event run from the store gets the same object.
import type Stripe from 'stripe'
import type { Settings } from '../../config/settings.js'
import { StripeSecretKeyMissingError } from '../errors.js'
import { createStripeClient } from '../stripe-client.js'
import type { ThinEventPayload } from './routed-event.js'

export type ToNotification = (event: ThinEventPayload) => Stripe.V2.Core.EventNotification

// stripe-node needs some key to build a client; without a configured one no request is ever sent.
const noKey = 'sk_not_configured'

export function createNotificationFactory (settings: Settings): ToNotification {
  const key = settings.STRIPE_SECRET_KEY
  // Made on the first thin event: most deployments never get one, and start-up need not pay for it.
  let stripe: Stripe | undefined
  return (event) => {
    stripe ??= createStripeClient(key ?? noKey, settings)
    // stripe-node builds notifications from text; the verified body was parsed once already.
    const notification = stripe.parseEventNotificationWithoutVerification(JSON.stringify(event))
    if (key === undefined) {
      const unavailable = async (): Promise<never> => { throw new StripeSecretKeyMissingError() }
      Object.assign(notification, { fetchEvent: unavailable, fetchRelatedObject: unavailable })
    }
    return notification
  }
}
