// Compiled by `npm run typecheck` (part of `npm test`), never run: each @ts-expect-error below must
// be an error, or the type check fails. It proves handlers get their exact event type.
import { defineHandler, defineUnlistedHandler } from '../../src/define-handler.js'

export const readsItsOwnFields = defineHandler('payment_intent.succeeded', async (event) => {
  const amount: number = event.data.object.amount_received
  const type: 'payment_intent.succeeded' = event.type
  return void [amount, type]
})

export const readsAFieldItsTypeLacks = defineHandler('payment_intent.succeeded', async (event) => {
  // @ts-expect-error a PaymentIntent has no `dispute`
  return void event.data.object.dispute
})

export const confusesTwoTypes = defineHandler('charge.dispute.created', async (event) => {
  // @ts-expect-error a dispute event carries a Dispute, not a PaymentIntent
  return void event.data.object.amount_received
})

// @ts-expect-error not a Stripe event type
export const typoInType = defineHandler('payment_intent.succeded', async () => {})

// @ts-expect-error a handler's event is not any event
export const wrongParameterType = defineHandler('balance.available', async (event: { type: 'customer.created' }) => {
  return void event
})

export const prefixGetsItsUnion = defineHandler('customer.subscription.*', async (event) => {
  const status: string = event.data.object.status
  const type: 'customer.subscription.created' | 'customer.subscription.updated' | 'customer.subscription.deleted' |
  'customer.subscription.paused' | 'customer.subscription.pending_update_applied' | 'customer.subscription.pending_update_expired' |
  'customer.subscription.resumed' | 'customer.subscription.trial_will_end' = event.type
  return void [status, type]
})

export const prefixNarrowsByType = defineHandler('payment_intent.*', async (event) => {
  // @ts-expect-error a PaymentIntent has no `dispute`, whichever payment_intent.* event it is
  return void event.data.object.dispute
})

export const catchAllGetsAnyEvent = defineHandler('*', async (event) => {
  const type: string = event.type
  // @ts-expect-error which object an event carries is known only once its type is narrowed
  return void [type, event.data.object.amount_received]
})

// @ts-expect-error no Stripe event type starts with this prefix
export const typoInPrefix = defineHandler('customer.subscriptoin.*', async () => {})

// @ts-expect-error a prefix ends at a dot: partial segments are not patterns
export const partialSegment = defineHandler('customer.sub*', async () => {})

export const thinGetsItsNotification = defineHandler('v1.billing.meter.no_meter_found', async (event) => {
  const full = await event.fetchEvent()
  const reason: unknown = full.data.reason
  // @ts-expect-error a thin notification carries no data: its handler fetches it
  return void [reason, event.data]
})

export const thinPrefixFetchesRelated = defineHandler('v2.core.account.*', async (event) => {
  return void ('fetchRelatedObject' in event ? await event.fetchRelatedObject() : null)
})

export const unlistedGetsAGenericEvent = defineUnlistedHandler('terminal.reader.future_action', async (event) => {
  const type: 'terminal.reader.future_action' = event.type
  const livemode: boolean = event.livemode
  const object: string = event.data.object.object
  // @ts-expect-error an unlisted type's object is untyped: a field is unknown until checked
  const status: string = event.data.object.status
  return void [type, livemode, object, status]
})

export const unlistedThinGetsANotification = defineUnlistedHandler('v1.billing.meter.future_type', async (event) => {
  const type: 'v1.billing.meter.future_type' = event.type
  const full = await event.fetchEvent()
  // @ts-expect-error a thin notification carries no data: its handler fetches it
  return void [type, full, event.data]
})

// @ts-expect-error a listed type takes defineHandler, which types its event
export const unlistedButListed = defineUnlistedHandler('payment_intent.succeeded', async () => {})

// @ts-expect-error the opt-in is for one type, never a pattern
export const unlistedPattern = defineUnlistedHandler('terminal.reader.*', async () => {})

// @ts-expect-error defineHandler still refuses a type stripe does not list: the opt-in is a function of its own
export const unlistedWithoutOptIn = defineHandler('terminal.reader.future_action', async () => {})

export const optsInToSkipSuperseded = defineHandler('customer.subscription.*', async (event, context) => {
  const newer: { id: string, type: string, created: number } | null = context.newerHandledEvent
  return void [event.type, newer]
}, { skipSuperseded: true })

export const skipSupersededIsAFlag: boolean = optsInToSkipSuperseded.skipSuperseded

// @ts-expect-error skipSuperseded is a boolean, not a word
export const skipSupersededNotAString = defineHandler('invoice.paid', async () => {}, { skipSuperseded: 'yes' })

export const setupAndSkipSuperseded = defineHandler('invoice.paid', async () => {}, { setup: async () => {}, skipSuperseded: false })
