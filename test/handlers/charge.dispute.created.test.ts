import { test } from 'tap'
import type Stripe from 'stripe'
import { buildApp, deliver, loadFixture, settle } from '../helper.js'

test('a new dispute is logged as a warning with its amount, reason and evidence deadline', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = loadFixture<Stripe.ChargeDisputeCreatedEvent>('charge.dispute.created')

  const response = await deliver(app, event)
  await settle(app)

  t.equal(response.statusCode, 200)
  const line = logs.find((entry) => entry.eventType === 'charge.dispute.created' && entry.disputeId !== undefined)
  t.match(line, {
    level: 40,
    eventId: event.id,
    disputeId: 'du_1QxL9aLkdIwHu7ixM5hJ3pQz',
    charge: 'ch_3QxK2vLkdIwHu7ix0Yk4s9Pd',
    amount: 2000,
    currency: 'usd',
    reason: 'fraudulent',
    evidenceDueBy: '2025-12-07T23:59:59.000Z'
  })
  t.match(line?.msg, /Dispute opened for 2000 USD \(fraudulent\)/)
})

test('a dispute without an evidence deadline is still logged', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = loadFixture<Stripe.ChargeDisputeCreatedEvent>('charge.dispute.created')
  event.data.object.evidence_details.due_by = null

  const response = await deliver(app, event)
  await settle(app)

  t.equal(response.statusCode, 200)
  t.match(logs.find((entry) => entry.disputeId !== undefined), { evidenceDueBy: null })
})
