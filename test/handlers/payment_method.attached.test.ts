import { test } from 'tap'
import type Stripe from 'stripe'
import { buildApp, deliver, loadFixture, settle } from '../helper.js'

test('an attached PaymentMethod is acknowledged and logged with its customer', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = loadFixture<Stripe.PaymentMethodAttachedEvent>('payment_method.attached')

  const response = await deliver(app, event)
  await settle(app)

  t.equal(response.statusCode, 200)
  t.same(response.json(), { received: true })
  t.match(logs.find((entry) => entry.msg === 'PaymentMethod was attached to a Customer!'), {
    eventId: event.id,
    eventType: 'payment_method.attached',
    paymentMethodId: 'pm_1QxK2uLkdIwHu7ixGz8RyT0e',
    paymentMethodType: 'card',
    customer: 'cus_RqZ8m3kP2wLx9A'
  })
})
