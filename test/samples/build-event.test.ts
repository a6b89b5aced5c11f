// The events the trigger and the test kit build: right shape for every type the stripe package knows.
import { test } from 'tap'
import { buildEvent, setField } from '../../src/samples/build-event.js'
import { realisticEvents } from '../../src/samples/realistic-events.js'
import { stripeObjectShape, stripeObjectShapes } from '../../src/samples/stripe-objects.js'
import type { StripeSnapshotEventType } from '../../src/define-handler.js'
import { stripeEventObjectTypes, stripeEventTypes } from '../../src/routing/stripe-event-types.js'

test('every v1 event type has its data.object resource declared, and the shape table knows each resource', async (t) => {
  const resources = stripeEventObjectTypes()
  t.same([...resources.keys()].sort(), [...stripeEventTypes()].sort(), 'one resource per event type')
  const unknown = [...new Set(resources.values())].filter((resource) => stripeObjectShapes[resource] === undefined)
  t.same(unknown, [], 'a newer stripe package typed events with resources to add to src/samples/stripe-objects.ts')
})

test('each built event names the right object, with an id of the right prefix', async (t) => {
  for (const [type, resource] of stripeEventObjectTypes()) {
    const event = buildEvent(type as StripeSnapshotEventType)
    const object = event.data.object as unknown as Record<string, unknown>
    const shape = stripeObjectShape(resource)
    if (event.type !== type || object.object !== shape.object) t.fail(`${type}: data.object is ${String(object.object)}, not ${shape.object}`)
    if (shape.idPrefix !== null && !String(object.id).startsWith(shape.idPrefix)) t.fail(`${type}: ${String(object.id)} lacks ${shape.idPrefix}`)
    if (!/^evt_[A-Za-z0-9]{24}$/.test(event.id)) t.fail(`${type}: event id ${event.id}`)
  }
  t.pass(`${stripeEventObjectTypes().size} types checked`)
})

test('at least 30 types have realistic samples, each in the object the type carries', async (t) => {
  const types = Object.keys(realisticEvents)
  t.ok(types.length >= 30, `${types.length} realistic types`)
  for (const type of types) {
    const resource = stripeEventObjectTypes().get(type)
    t.ok(resource, `${type} is a Stripe event type`)
    const event = buildEvent(type as StripeSnapshotEventType)
    t.equal((event.data.object as unknown as { object: string }).object, stripeObjectShape(resource as string).object, type)
  }
  const failed = buildEvent('payment_intent.payment_failed').data.object
  t.equal(failed.status, 'requires_payment_method')
  t.equal(failed.last_payment_error?.code, 'card_declined')
  t.same(buildEvent('customer.updated').data.previous_attributes, { email: 'jenny.rosen@example.com' })
})

test('options set the id, the time, fields of the object and previous_attributes', async (t) => {
  const event = buildEvent('payment_intent.succeeded', {
    id: 'evt_given',
    created: 1_700_000_000,
    fields: { amount: 5000, 'metadata.order_id': '7', 'shipping.name': 'Jenny' },
    previousAttributes: { status: 'processing' },
    account: 'acct_1Connected',
    livemode: true
  })
  t.equal(event.id, 'evt_given')
  t.equal(event.created, 1_700_000_000)
  t.equal(event.account, 'acct_1Connected')
  t.equal(event.livemode, true)
  t.equal(event.data.object.livemode, true)
  t.equal(event.data.object.amount, 5000)
  t.same(event.data.object.metadata, { order_id: '7' })
  t.same(event.data.object.shipping, { name: 'Jenny' })
  t.same(event.data.previous_attributes, { status: 'processing' })
  t.not(buildEvent('payment_intent.succeeded').id, buildEvent('payment_intent.succeeded').id, 'a new id each time')
})

test('an unknown type or a field path into a prototype is refused', async (t) => {
  t.throws(() => buildEvent('payment_intent.succeded' as StripeSnapshotEventType), /not a Stripe event type.*Did you mean payment_intent\.succeeded/)
  t.throws(() => setField({}, '__proto__.polluted', 1), /not a field path/)
  t.throws(() => setField({}, 'metadata..x', 1), /not a field path/)
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})
