import { readFileSync } from 'node:fs'
import { test } from 'tap'
import { stripeEventTypes } from '../../src/routing/stripe-event-types.js'

test('the event types are the installed stripe package\'s own', async (t) => {
  const types = stripeEventTypes()
  // The same list, read independently from the union member declarations of Stripe.Event.
  const declarations = readFileSync(new URL('../../node_modules/stripe/esm/resources/Events.d.ts', import.meta.url), 'utf8')
  const unionLine = declarations.split('\n').find((line) => line.trimStart().startsWith('type Type = ')) ?? ''
  const unionTypes = Array.from(unionLine.matchAll(/'([^']+)'/g), (match) => match[1])
  t.ok(unionTypes.length > 200, 'the Event.Type union was found')
  t.same([...types].sort(), [...unionTypes].sort())
  t.ok(types.has('payment_intent.succeeded'))
  t.ok(types.has('charge.dispute.created'))
  t.notOk(types.has('payment_intent.succeded'))
})

test('the list is read once and shared', async (t) => {
  t.equal(stripeEventTypes(), stripeEventTypes())
})
