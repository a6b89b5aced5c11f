// What a generated event's `data.object` must look like for each resource stripe-node types events
// with: the `object` name Stripe writes, and the prefix of its ids (none for objects without an id
// of their own, like `balance`, or with free-form ids, like `coupon`).
export interface StripeObjectShape {
  object: string
  idPrefix: string | null
}

/** Keyed by the name stripe-node's event declarations use for `data.object`. */
export const stripeObjectShapes: Readonly<Record<string, StripeObjectShape>> = {
  Account: { object: 'account', idPrefix: 'acct_' },
  Application: { object: 'application', idPrefix: 'ca_' },
  ApplicationFee: { object: 'application_fee', idPrefix: 'fee_' },
  'Apps.Install': { object: 'apps.install', idPrefix: 'appinst_' },
  Balance: { object: 'balance', idPrefix: null },
  BalanceSettings: { object: 'balance_settings', idPrefix: null },
  'Billing.AlertTriggered': { object: 'billing.alert_triggered', idPrefix: null },
  'Billing.CreditBalanceTransaction': { object: 'billing.credit_balance_transaction', idPrefix: 'cbtxn_' },
  'Billing.CreditGrant': { object: 'billing.credit_grant', idPrefix: 'credgr_' },
  'Billing.Meter': { object: 'billing.meter', idPrefix: 'mtr_' },
  'BillingPortal.Configuration': { object: 'billing_portal.configuration', idPrefix: 'bpc_' },
  'BillingPortal.Session': { object: 'billing_portal.session', idPrefix: 'bps_' },
  Capability: { object: 'capability', idPrefix: null },
  CashBalance: { object: 'cash_balance', idPrefix: null },
  Charge: { object: 'charge', idPrefix: 'ch_' },
  'Checkout.Session': { object: 'checkout.session', idPrefix: 'cs_test_' },
  'Climate.Order': { object: 'climate.order', idPrefix: 'climorder_' },
  'Climate.Product': { object: 'climate.product', idPrefix: 'climsku_' },
  Coupon: { object: 'coupon', idPrefix: null },
  CreditNote: { object: 'credit_note', idPrefix: 'cn_' },
  Customer: { object: 'customer', idPrefix: 'cus_' },
  CustomerCashBalanceTransaction: { object: 'customer_cash_balance_transaction', idPrefix: 'ccsbtxn_' },
  // A customer's payment source: a card in every event Stripe sends today.
  CustomerSource: { object: 'card', idPrefix: 'card_' },
  Discount: { object: 'discount', idPrefix: 'di_' },
  Dispute: { object: 'dispute', idPrefix: 'dp_' },
  'Entitlements.ActiveEntitlementSummary': { object: 'entitlements.active_entitlement_summary', idPrefix: null },
  // A connected account's payout destination: a bank account or a debit card.
  ExternalAccount: { object: 'bank_account', idPrefix: 'ba_' },
  FeeRefund: { object: 'fee_refund', idPrefix: 'fr_' },
  File: { object: 'file', idPrefix: 'file_' },
  'FinancialConnections.Account': { object: 'financial_connections.account', idPrefix: 'fca_' },
  'FinancialConnections.Authorization': { object: 'financial_connections.authorization', idPrefix: 'fcauth_' },
  'Identity.VerificationSession': { object: 'identity.verification_session', idPrefix: 'vs_' },
  Invoice: { object: 'invoice', idPrefix: 'in_' },
  InvoiceItem: { object: 'invoiceitem', idPrefix: 'ii_' },
  InvoicePayment: { object: 'invoice_payment', idPrefix: 'inpay_' },
  'Issuing.Authorization': { object: 'issuing.authorization', idPrefix: 'iauth_' },
  'Issuing.Card': { object: 'issuing.card', idPrefix: 'ic_' },
  'Issuing.Cardholder': { object: 'issuing.cardholder', idPrefix: 'ich_' },
  'Issuing.Dispute': { object: 'issuing.dispute', idPrefix: 'idp_' },
  'Issuing.PersonalizationDesign': { object: 'issuing.personalization_design', idPrefix: 'pd_' },
  'Issuing.Token': { object: 'issuing.token', idPrefix: 'intok_' },
  'Issuing.Transaction': { object: 'issuing.transaction', idPrefix: 'ipi_' },
  Mandate: { object: 'mandate', idPrefix: 'mandate_' },
  PaymentIntent: { object: 'payment_intent', idPrefix: 'pi_' },
  PaymentLink: { object: 'payment_link', idPrefix: 'plink_' },
  PaymentMethod: { object: 'payment_method', idPrefix: 'pm_' },
  Payout: { object: 'payout', idPrefix: 'po_' },
  Person: { object: 'person', idPrefix: 'person_' },
  Plan: { object: 'plan', idPrefix: 'plan_' },
  Price: { object: 'price', idPrefix: 'price_' },
  Product: { object: 'product', idPrefix: 'prod_' },
  PromotionCode: { object: 'promotion_code', idPrefix: 'promo_' },
  Quote: { object: 'quote', idPrefix: 'qt_' },
  'Radar.EarlyFraudWarning': { object: 'radar.early_fraud_warning', idPrefix: 'issfr_' },
  Refund: { object: 'refund', idPrefix: 're_' },
  'Reporting.ReportRun': { object: 'reporting.report_run', idPrefix: 'frr_' },
  'Reporting.ReportType': { object: 'reporting.report_type', idPrefix: null },
  'Reserve.Hold': { object: 'reserve.hold', idPrefix: 'rh_' },
  'Reserve.Plan': { object: 'reserve.plan', idPrefix: 'rp_' },
  'Reserve.Release': { object: 'reserve.release', idPrefix: 'rr_' },
  Review: { object: 'review', idPrefix: 'prv_' },
  SetupIntent: { object: 'setup_intent', idPrefix: 'seti_' },
  'Sigma.ScheduledQueryRun': { object: 'scheduled_query_run', idPrefix: 'sqr_' },
  Source: { object: 'source', idPrefix: 'src_' },
  SourceMandateNotification: { object: 'source_mandate_notification', idPrefix: 'srcmn_' },
  SourceTransaction: { object: 'source_transaction', idPrefix: 'srctxn_' },
  Subscription: { object: 'subscription', idPrefix: 'sub_' },
  SubscriptionSchedule: { object: 'subscription_schedule', idPrefix: 'sub_sched_' },
  'Tax.Settings': { object: 'tax.settings', idPrefix: null },
  TaxId: { object: 'tax_id', idPrefix: 'txi_' },
  TaxRate: { object: 'tax_rate', idPrefix: 'txr_' },
  'Terminal.Reader': { object: 'terminal.reader', idPrefix: 'tmr_' },
  'TestHelpers.TestClock': { object: 'test_helpers.test_clock', idPrefix: 'clock_' },
  'ThreeDSecure.Authentication': { object: 'three_d_secure.authentication', idPrefix: 'threeds_' },
  Topup: { object: 'topup', idPrefix: 'tu_' },
  Transfer: { object: 'transfer', idPrefix: 'tr_' },
  'Treasury.CreditReversal': { object: 'treasury.credit_reversal', idPrefix: 'credrev_' },
  'Treasury.DebitReversal': { object: 'treasury.debit_reversal', idPrefix: 'debrev_' },
  'Treasury.FinancialAccount': { object: 'treasury.financial_account', idPrefix: 'fa_' },
  'Treasury.InboundTransfer': { object: 'treasury.inbound_transfer', idPrefix: 'ibt_' },
  'Treasury.OutboundPayment': { object: 'treasury.outbound_payment', idPrefix: 'obp_' },
  'Treasury.OutboundTransfer': { object: 'treasury.outbound_transfer', idPrefix: 'obt_' },
  'Treasury.ReceivedCredit': { object: 'treasury.received_credit', idPrefix: 'rc_' },
  'Treasury.ReceivedDebit': { object: 'treasury.received_debit', idPrefix: 'rd_' }
}

/**
 * The shape for a resource name, guessed from the name when a newer stripe package types an event
 * with a resource this table does not know yet (`Billing.NewThing` -> `billing.new_thing`).
 */
export function stripeObjectShape (resource: string): StripeObjectShape {
  const known = stripeObjectShapes[resource]
  if (known !== undefined) return known
  const object = resource.split('.').map((part) => part.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase()).join('.')
  return { object, idPrefix: null }
}
