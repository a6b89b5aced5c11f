import { test } from 'tap'
import type Stripe from 'stripe'
import { buildApp, deliver, loadFixture, settle } from '../helper.js'

test('available balance is logged as totals per currency', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = loadFixture<Stripe.BalanceAvailableEvent>('balance.available')

  const response = await deliver(app, event)
  await settle(app)

  t.equal(response.statusCode, 200)
  const line = logs.find((entry) => entry.eventType === 'balance.available' && entry.available !== undefined)
  t.match(line, {
    eventId: event.id,
    available: { usd: 184250, eur: 9900 },
    pending: { usd: 52300, eur: 0 },
    msg: 'Balance available: 184250 USD, 9900 EUR'
  })
})

test('an empty balance says there is nothing available', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = loadFixture<Stripe.BalanceAvailableEvent>('balance.available')
  event.data.object.available = []

  await deliver(app, event)
  await settle(app)

  t.ok(logs.some((entry) => entry.msg === 'Balance available: nothing'))
})
