import { test } from 'tap'
import type Stripe from 'stripe'
import { buildApp, deliver, loadFixture, settle } from '../helper.js'
import { deliverTwice } from '../scenarios.js'

test('a succeeded PaymentIntent is acknowledged and logged with its amount', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = loadFixture<Stripe.PaymentIntentSucceededEvent>('payment_intent.succeeded')

  const response = await deliver(app, event)
  await settle(app)

  t.equal(response.statusCode, 200)
  t.same(response.json(), { received: true })
  const line = logs.find((entry) => entry.msg === 'PaymentIntent was successful!')
  t.ok(line, 'the handler logged its message')
  t.match(line, {
    eventId: event.id,
    eventType: 'payment_intent.succeeded',
    paymentIntentId: event.data.object.id,
    amount: 2000,
    amountReceived: 2000,
    currency: 'usd',
    metadata: { order_id: '1042' }
  })
})

test('a redelivered succeeded PaymentIntent is fulfilled once', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = loadFixture<Stripe.PaymentIntentSucceededEvent>('payment_intent.succeeded')

  const [first, second] = await deliverTwice(app, event)

  t.same([first.statusCode, second.statusCode], [200, 200])
  t.equal(logs.filter((entry) => entry.msg === 'PaymentIntent was successful!').length, 1)
})
