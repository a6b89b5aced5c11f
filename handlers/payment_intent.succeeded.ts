// A payment went through: this is where an order is fulfilled. Use `eventId` as the idempotency
// key of anything this triggers, so a redelivered event never fulfils twice.
import { defineHandler } from '#define-handler'

export default defineHandler('payment_intent.succeeded', async (event, { log }) => {
  const paymentIntent = event.data.object
  log.info({
    paymentIntentId: paymentIntent.id,
    amount: paymentIntent.amount,
    amountReceived: paymentIntent.amount_received,
    currency: paymentIntent.currency,
    customer: paymentIntent.customer,
    metadata: paymentIntent.metadata
  }, 'PaymentIntent was successful!')
})
