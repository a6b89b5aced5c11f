// Realistic Stripe objects for the offline trigger and the test kit: the fields and values a test-mode
// account really sends, one coherent story (a customer buys a subscription and a one-off order), and
// `satisfies Partial<Stripe.X>` so that tsc refuses a field stripe-node does not know.
import type Stripe from 'stripe'

/** The ids the samples share, so a charge points at its PaymentIntent, an invoice at its subscription. */
export const sampleIds = {
  customer: 'cus_RqZ8m3kP2wLx9A',
  paymentIntent: 'pi_3QxK2vLkdIwHu7ix0mJ8a2Tb',
  charge: 'ch_3QxK2vLkdIwHu7ix0Yk4s9Pd',
  paymentMethod: 'pm_1QxK2uLkdIwHu7ixGz8RyT0e',
  balanceTransaction: 'txn_3QxK2vLkdIwHu7ix0c5Wb7Qa',
  subscription: 'sub_1QxK4aLkdIwHu7ixT3nVb8Rc',
  subscriptionItem: 'si_RqZAb4kQ7nW2xY',
  invoice: 'in_1QxK4bLkdIwHu7ixJp2Kc6Ld',
  product: 'prod_RqZ9xK2mN4bV7c',
  price: 'price_1QxK3kLkdIwHu7ixR8mC4pWn',
  checkoutSession: 'cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ',
  dispute: 'dp_1QxK6dLkdIwHu7ixW2eR5tYu',
  refund: 're_3QxK2vLkdIwHu7ix0pL8kN3m',
  payout: 'po_1QxK7eLkdIwHu7ixA9sD2fGh',
  setupIntent: 'seti_1QxK2tLkdIwHu7ixB4nM7vXc',
  bankAccount: 'ba_1QdRf2LkdIwHu7ixC3vB8nMq'
} as const

const card = {
  brand: 'visa',
  checks: { address_line1_check: null, address_postal_code_check: 'pass', cvc_check: 'pass' },
  country: 'US',
  exp_month: 12,
  exp_year: 2030,
  fingerprint: 'Xt5EWLLDS7FJjR1c',
  funding: 'credit',
  last4: '4242',
  wallet: null
}

const billingDetails = {
  address: { city: 'San Francisco', country: 'US', line1: '510 Townsend St', line2: null, postal_code: '94103', state: 'CA' },
  email: 'jenny.rosen@example.com',
  name: 'Jenny Rosen',
  phone: null,
  tax_id: null
}

export function samplePaymentIntent (now: number) {
  return {
    id: sampleIds.paymentIntent,
    object: 'payment_intent',
    amount: 2000,
    amount_capturable: 0,
    amount_received: 2000,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { allow_redirects: 'always', enabled: true },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${sampleIds.paymentIntent}_secret_fYpX5nQ0w1cKxR4kLm9sT2vB3`,
    confirmation_method: 'automatic',
    created: now - 5,
    currency: 'usd',
    customer: sampleIds.customer,
    description: 'Order #1042: 2 × Café Crème (Größe M)',
    last_payment_error: null,
    latest_charge: sampleIds.charge,
    livemode: false,
    metadata: { order_id: '1042' },
    next_action: null,
    on_behalf_of: null,
    payment_method: sampleIds.paymentMethod,
    payment_method_types: ['card', 'link'],
    processing: null,
    receipt_email: 'jenny.rosen@example.com',
    review: null,
    setup_future_usage: null,
    shipping: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null
  } satisfies Partial<Stripe.PaymentIntent>
}

export function sampleCharge (now: number) {
  return {
    id: sampleIds.charge,
    object: 'charge',
    amount: 2000,
    amount_captured: 2000,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: sampleIds.balanceTransaction,
    billing_details: billingDetails,
    calculated_statement_descriptor: 'CAFE CREME',
    captured: true,
    created: now - 4,
    currency: 'usd',
    customer: sampleIds.customer,
    description: 'Order #1042: 2 × Café Crème (Größe M)',
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: { order_id: '1042' },
    on_behalf_of: null,
    outcome: {
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      risk_score: 32,
      seller_message: 'Payment complete.',
      type: 'authorized',
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null
    },
    paid: true,
    payment_intent: sampleIds.paymentIntent,
    payment_method: sampleIds.paymentMethod,
    payment_method_details: {
      type: 'card',
      card: {
        ...card,
        amount_authorized: 2000,
        authorization_code: '834211',
        electronic_commerce_indicator: null,
        installments: null,
        mandate: null,
        network: 'visa',
        network_token: { used: false },
        network_transaction_id: '581620712344011',
        regulated_status: 'unregulated',
        three_d_secure: null,
        transaction_link_id: null
      }
    },
    receipt_email: 'jenny.rosen@example.com',
    receipt_number: null,
    receipt_url: 'https://pay.stripe.com/receipts/payment/CAcaFwoVYWNjdF8xUWRSZjBMa2RJd0h1N2l4KJjB0boGMgZ',
    refunded: false,
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null
  } satisfies Partial<Stripe.Charge>
}

export function sampleCustomer (now: number) {
  return {
    id: sampleIds.customer,
    object: 'customer',
    address: billingDetails.address,
    balance: 0,
    created: now - 3600,
    currency: 'usd',
    default_source: null,
    delinquent: false,
    description: null,
    email: 'jenny.rosen@example.com',
    invoice_prefix: 'A1B2C3D4',
    invoice_settings: { custom_fields: null, default_payment_method: sampleIds.paymentMethod, footer: null, rendering_options: null },
    livemode: false,
    metadata: { account_id: 'acc_7781' },
    name: 'Jenny Rosen',
    next_invoice_sequence: 2,
    phone: null,
    preferred_locales: ['en'],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null
  } satisfies Partial<Stripe.Customer>
}

export function samplePaymentMethod (now: number) {
  return {
    id: sampleIds.paymentMethod,
    object: 'payment_method',
    allow_redisplay: 'always',
    billing_details: billingDetails,
    card: { ...card, regulated_status: 'unregulated', display_brand: 'visa', generated_from: null, networks: { available: ['visa'], preferred: null }, three_d_secure_usage: { supported: true } },
    created: now - 10,
    customer: sampleIds.customer,
    livemode: false,
    metadata: {},
    type: 'card'
  } satisfies Partial<Stripe.PaymentMethod>
}

export function sampleSetupIntent (now: number) {
  return {
    id: sampleIds.setupIntent,
    object: 'setup_intent',
    application: null,
    cancellation_reason: null,
    client_secret: `${sampleIds.setupIntent}_secret_Rq1aB2cD3eF4gH5iJ6kL7mN8`,
    created: now - 20,
    customer: sampleIds.customer,
    description: null,
    last_setup_error: null,
    latest_attempt: 'setatt_1QxK2tLkdIwHu7ixZ5bN6mQw',
    livemode: false,
    mandate: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: sampleIds.paymentMethod,
    payment_method_types: ['card'],
    single_use_mandate: null,
    status: 'succeeded',
    usage: 'off_session'
  } satisfies Partial<Stripe.SetupIntent>
}

export function sampleProduct (now: number) {
  return {
    id: sampleIds.product,
    object: 'product',
    active: true,
    created: now - 86400,
    default_price: sampleIds.price,
    description: 'Unlimited coffee, delivered weekly.',
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    name: 'Coffee Club — Monthly',
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: 'txcd_10000000',
    unit_label: null,
    updated: now - 86400,
    url: null
  } satisfies Partial<Stripe.Product>
}

export function samplePrice (now: number) {
  return {
    id: sampleIds.price,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: now - 86400,
    currency: 'usd',
    custom_unit_amount: null,
    livemode: false,
    lookup_key: 'coffee_club_monthly',
    metadata: {},
    nickname: null,
    product: sampleIds.product,
    recurring: { interval: 'month', interval_count: 1, meter: null, trial_period_days: null, usage_type: 'licensed' },
    tax_behavior: 'exclusive',
    tiers_mode: null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: 1500,
    // Sent as a string; stripe-node types it as its Decimal class, which only its API client makes.
    unit_amount_decimal: '1500' as unknown as Stripe.Decimal
  } satisfies Partial<Stripe.Price>
}

function sampleSubscriptionItem (now: number, periodStart: number, periodEnd: number) {
  return {
    id: sampleIds.subscriptionItem,
    object: 'subscription_item',
    billing_thresholds: null,
    created: periodStart,
    current_period_end: periodEnd,
    current_period_start: periodStart,
    discounts: [],
    metadata: {},
    price: samplePrice(now),
    quantity: 1,
    subscription: sampleIds.subscription,
    tax_rates: []
  } satisfies Partial<Stripe.SubscriptionItem>
}

export function sampleSubscription (now: number) {
  const periodStart = now - 60
  const periodEnd = periodStart + 30 * 86400
  return {
    id: sampleIds.subscription,
    object: 'subscription',
    application: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: periodStart,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: periodStart,
    currency: 'usd',
    customer: sampleIds.customer,
    days_until_due: null,
    default_payment_method: sampleIds.paymentMethod,
    description: null,
    discounts: [],
    ended_at: null,
    items: {
      object: 'list',
      // Partial (no deprecated `plan` copy of the price), so not the full type the list declares.
      data: [sampleSubscriptionItem(now, periodStart, periodEnd) as unknown as Stripe.SubscriptionItem],
      has_more: false,
      url: `/v1/subscription_items?subscription=${sampleIds.subscription}`
    },
    latest_invoice: sampleIds.invoice,
    livemode: false,
    metadata: { plan: 'coffee_club' },
    pause_collection: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: periodStart,
    status: 'active',
    test_clock: null,
    trial_end: null,
    trial_start: null
  } satisfies Partial<Stripe.Subscription>
}

export function sampleInvoice (now: number) {
  const periodStart = now - 60
  return {
    id: sampleIds.invoice,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Café Crème Inc.',
    amount_due: 1500,
    amount_paid: 1500,
    amount_remaining: 0,
    attempt_count: 1,
    attempted: true,
    auto_advance: false,
    billing_reason: 'subscription_create',
    collection_method: 'charge_automatically',
    created: periodStart,
    currency: 'usd',
    customer: sampleIds.customer,
    customer_email: 'jenny.rosen@example.com',
    customer_name: 'Jenny Rosen',
    description: null,
    due_date: null,
    hosted_invoice_url: 'https://invoice.stripe.com/i/acct_1QdRf0LkdIwHu7ix/test_YWNjdF8xUWRSZjBMa2RJd0h1N2l4',
    invoice_pdf: 'https://pay.stripe.com/invoice/acct_1QdRf0LkdIwHu7ix/test_YWNjdF8xUWRSZjBMa2RJd0h1N2l4/pdf',
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: 'A1B2C3D4-0001',
    parent: {
      quote_details: null,
      subscription_details: { metadata: { plan: 'coffee_club' }, subscription: sampleIds.subscription },
      type: 'subscription_details'
    },
    period_end: periodStart,
    period_start: periodStart,
    status: 'paid',
    status_transitions: { finalized_at: periodStart + 1, marked_uncollectible_at: null, paid_at: periodStart + 2, voided_at: null },
    subtotal: 1500,
    total: 1500
  } satisfies Partial<Stripe.Invoice>
}

export function sampleCheckoutSession (now: number) {
  return {
    id: sampleIds.checkoutSession,
    object: 'checkout.session',
    amount_subtotal: 2000,
    amount_total: 2000,
    cancel_url: 'https://example.com/cart',
    client_reference_id: 'order_1042',
    created: now - 120,
    currency: 'usd',
    customer: sampleIds.customer,
    customer_details: { address: billingDetails.address, email: 'jenny.rosen@example.com', name: 'Jenny Rosen', phone: null, tax_exempt: 'none', tax_ids: [], business_name: null, individual_name: null },
    expires_at: now + 86280,
    livemode: false,
    metadata: { order_id: '1042' },
    mode: 'payment',
    payment_intent: sampleIds.paymentIntent,
    payment_method_types: ['card', 'link'],
    payment_status: 'paid',
    status: 'complete',
    subscription: null,
    success_url: 'https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}',
    url: null
  } satisfies Partial<Stripe.Checkout.Session>
}

export function sampleDispute (now: number) {
  return {
    id: sampleIds.dispute,
    object: 'dispute',
    amount: 2000,
    balance_transactions: [],
    charge: sampleIds.charge,
    created: now,
    currency: 'usd',
    evidence_details: { due_by: now + 7 * 86400, has_evidence: false, past_due: false, submission_count: 0, submission_method: 'manual', enhanced_eligibility: {} },
    is_charge_refundable: true,
    livemode: false,
    metadata: {},
    payment_intent: sampleIds.paymentIntent,
    reason: 'fraudulent',
    status: 'needs_response'
  } satisfies Partial<Stripe.Dispute>
}

export function sampleRefund (now: number) {
  return {
    id: sampleIds.refund,
    object: 'refund',
    amount: 2000,
    balance_transaction: 'txn_3QxK2vLkdIwHu7ix0r4Tq8Vn',
    charge: sampleIds.charge,
    created: now,
    currency: 'usd',
    destination_details: { type: 'card', card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' } },
    metadata: {},
    payment_intent: sampleIds.paymentIntent,
    reason: 'requested_by_customer',
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null
  } satisfies Partial<Stripe.Refund>
}

export function samplePayout (now: number) {
  return {
    id: sampleIds.payout,
    object: 'payout',
    amount: 118_400,
    arrival_date: now + 2 * 86400,
    automatic: true,
    balance_transaction: 'txn_1QxK7eLkdIwHu7ixV6bN3mKs',
    created: now,
    currency: 'usd',
    description: 'STRIPE PAYOUT',
    destination: sampleIds.bankAccount,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: {},
    method: 'standard',
    source_type: 'card',
    statement_descriptor: null,
    status: 'in_transit',
    type: 'bank_account'
  } satisfies Partial<Stripe.Payout>
}

export function sampleBalance () {
  return {
    object: 'balance',
    available: [{ amount: 118_400, currency: 'usd', source_types: { card: 118_400 } }],
    livemode: false,
    pending: [{ amount: 6_000, currency: 'usd', source_types: { card: 6_000 } }]
  } satisfies Partial<Stripe.Balance>
}
