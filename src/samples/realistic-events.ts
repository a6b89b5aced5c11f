// The most used event types, each as Stripe sends it: the object in the state the event reports and,
// for `*.updated` events, the `previous_attributes` that changed.
import {
  sampleBalance, sampleCharge, sampleCheckoutSession, sampleCustomer, sampleDispute, sampleInvoice, samplePaymentIntent,
  samplePaymentMethod, samplePayout, samplePrice, sampleProduct, sampleRefund, sampleSetupIntent, sampleSubscription
} from './sample-objects.js'

type StripeObject = Record<string, unknown>

export interface RealisticEvent {
  /** The object as it is after the event. */
  object: (now: number) => StripeObject
  /** What changed, for events that report a change. */
  previousAttributes?: (now: number) => StripeObject
}

/** One sample in the state `changes` describes (a declined payment, a canceled subscription, ...). */
function inState<T extends StripeObject> (sample: (now: number) => T, changes: (now: number) => Partial<T> | StripeObject = () => ({})) {
  return (now: number): StripeObject => ({ ...sample(now), ...changes(now) })
}

const cardDeclined = {
  code: 'card_declined',
  decline_code: 'insufficient_funds',
  doc_url: 'https://stripe.com/docs/error-codes/card-declined',
  message: 'Your card has insufficient funds.',
  type: 'card_error'
}

export const realisticEvents: Readonly<Record<string, RealisticEvent>> = {
  'payment_intent.created': { object: inState(samplePaymentIntent, () => ({ status: 'requires_payment_method', amount_received: 0, latest_charge: null, payment_method: null })) },
  'payment_intent.processing': { object: inState(samplePaymentIntent, () => ({ status: 'processing', amount_received: 0 })) },
  'payment_intent.requires_action': {
    object: inState(samplePaymentIntent, () => ({
      status: 'requires_action',
      amount_received: 0,
      next_action: { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: 'https://hooks.stripe.com/3d_secure_2/hosted' } }
    }))
  },
  'payment_intent.amount_capturable_updated': {
    object: inState(samplePaymentIntent, () => ({ status: 'requires_capture', capture_method: 'manual', amount_capturable: 2000, amount_received: 0 }))
  },
  'payment_intent.succeeded': { object: samplePaymentIntent },
  'payment_intent.payment_failed': {
    object: inState(samplePaymentIntent, () => ({ status: 'requires_payment_method', amount_received: 0, last_payment_error: cardDeclined }))
  },
  'payment_intent.canceled': {
    object: inState(samplePaymentIntent, (now) => ({ status: 'canceled', amount_received: 0, canceled_at: now, cancellation_reason: 'requested_by_customer' }))
  },
  'charge.succeeded': { object: sampleCharge },
  'charge.captured': { object: sampleCharge },
  'charge.failed': {
    object: inState(sampleCharge, () => ({
      status: 'failed',
      paid: false,
      captured: false,
      amount_captured: 0,
      failure_code: 'card_declined',
      failure_message: 'Your card has insufficient funds.',
      outcome: { network_status: 'declined_by_network', reason: 'insufficient_funds', risk_level: 'normal', risk_score: 41, seller_message: 'The bank returned the decline code `insufficient_funds`.', type: 'issuer_declined' }
    }))
  },
  'charge.refunded': {
    object: inState(sampleCharge, () => ({ refunded: true, amount_refunded: 2000 })),
    previousAttributes: () => ({ refunded: false, amount_refunded: 0 })
  },
  'charge.updated': {
    object: inState(sampleCharge, () => ({ description: 'Order #1042 (gift)' })),
    previousAttributes: () => ({ description: 'Order #1042: 2 × Café Crème (Größe M)' })
  },
  'charge.dispute.created': { object: sampleDispute },
  'charge.dispute.updated': {
    object: inState(sampleDispute, () => ({ status: 'under_review' })),
    previousAttributes: () => ({ status: 'needs_response' })
  },
  'charge.dispute.closed': { object: inState(sampleDispute, () => ({ status: 'lost', is_charge_refundable: false })) },
  'charge.dispute.funds_withdrawn': { object: inState(sampleDispute, () => ({ balance_transactions: [{ id: 'txn_1QxK6dLkdIwHu7ixQ2wE3rTy', object: 'balance_transaction', amount: -2000, currency: 'usd', fee: 1500, net: -3500, type: 'adjustment' }] })) },
  'checkout.session.completed': { object: sampleCheckoutSession },
  'checkout.session.expired': { object: inState(sampleCheckoutSession, () => ({ status: 'expired', payment_status: 'unpaid', payment_intent: null })) },
  'checkout.session.async_payment_succeeded': { object: sampleCheckoutSession },
  'checkout.session.async_payment_failed': { object: inState(sampleCheckoutSession, () => ({ payment_status: 'unpaid' })) },
  'customer.created': { object: sampleCustomer },
  'customer.updated': {
    object: inState(sampleCustomer, () => ({ email: 'jenny@example.com' })),
    previousAttributes: () => ({ email: 'jenny.rosen@example.com' })
  },
  'customer.deleted': { object: inState(sampleCustomer, () => ({ invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null } })) },
  'customer.subscription.created': { object: inState(sampleSubscription, () => ({ status: 'incomplete' })) },
  'customer.subscription.updated': {
    object: sampleSubscription,
    previousAttributes: () => ({ status: 'incomplete' })
  },
  'customer.subscription.deleted': {
    object: inState(sampleSubscription, (now) => ({
      status: 'canceled',
      canceled_at: now,
      ended_at: now,
      cancellation_details: { comment: null, feedback: 'too_expensive', reason: 'cancellation_requested' }
    }))
  },
  'customer.subscription.trial_will_end': {
    object: inState(sampleSubscription, (now) => ({ status: 'trialing', trial_start: now - 11 * 86400, trial_end: now + 3 * 86400 }))
  },
  'customer.subscription.paused': { object: inState(sampleSubscription, () => ({ status: 'paused' })) },
  'customer.subscription.resumed': { object: sampleSubscription },
  'invoice.created': { object: inState(sampleInvoice, () => ({ status: 'draft', amount_paid: 0, amount_remaining: 1500, attempted: false, attempt_count: 0, number: null })) },
  'invoice.finalized': { object: inState(sampleInvoice, () => ({ status: 'open', amount_paid: 0, amount_remaining: 1500 })) },
  'invoice.paid': { object: sampleInvoice },
  'invoice.payment_succeeded': { object: sampleInvoice },
  'invoice.payment_failed': {
    object: inState(sampleInvoice, (now) => ({ status: 'open', amount_paid: 0, amount_remaining: 1500, next_payment_attempt: now + 3 * 86400, billing_reason: 'subscription_cycle' }))
  },
  'invoice.payment_action_required': { object: inState(sampleInvoice, () => ({ status: 'open', amount_paid: 0, amount_remaining: 1500 })) },
  'invoice.upcoming': { object: inState(sampleInvoice, () => ({ status: 'draft', amount_paid: 0, amount_remaining: 1500, billing_reason: 'upcoming', number: null })) },
  'payment_method.attached': { object: samplePaymentMethod },
  'payment_method.detached': { object: inState(samplePaymentMethod, () => ({ customer: null })) },
  'setup_intent.succeeded': { object: sampleSetupIntent },
  'setup_intent.setup_failed': {
    object: inState(sampleSetupIntent, () => ({ status: 'requires_payment_method', payment_method: null, last_setup_error: cardDeclined }))
  },
  'refund.created': { object: sampleRefund },
  'refund.updated': {
    object: inState(sampleRefund, () => ({ destination_details: { type: 'card', card: { reference: '74651234567890123456789', reference_status: 'available', reference_type: 'acquirer_reference_number', type: 'refund' } } })),
    previousAttributes: () => ({ destination_details: { card: { reference: null, reference_status: 'pending' } } })
  },
  'refund.failed': { object: inState(sampleRefund, () => ({ status: 'failed', failure_reason: 'expired_or_canceled_card' })) },
  'payout.created': { object: samplePayout },
  'payout.paid': { object: inState(samplePayout, () => ({ status: 'paid' })) },
  'payout.failed': {
    object: inState(samplePayout, () => ({ status: 'failed', failure_code: 'account_closed', failure_message: 'The bank account has been closed.', failure_balance_transaction: 'txn_1QxK8fLkdIwHu7ixP0oI9uYt' }))
  },
  'product.created': { object: sampleProduct },
  'price.created': { object: samplePrice },
  'balance.available': { object: sampleBalance }
}
