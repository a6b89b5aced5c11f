// A customer saved a payment method: the place to mark them as able to pay off-session.
import { defineHandler } from '#define-handler'

export default defineHandler('payment_method.attached', async (event, { log }) => {
  const paymentMethod = event.data.object
  log.info({
    paymentMethodId: paymentMethod.id,
    paymentMethodType: paymentMethod.type,
    customer: paymentMethod.customer
  }, 'PaymentMethod was attached to a Customer!')
})
