// The test kit's one-line scenarios do what they say, against handlers that record what they ran.
import { test } from 'tap'
import { buildEvent } from '../../src/samples/build-event.js'
import { buildApp, handlerFolder } from '../helper.js'
import { deliverOutOfOrder, deliverStale, deliverTwice, deliverWithWrongSecret, eventWithPreviousAttributes } from '../scenarios.js'
import { routed } from '../fixtures/routing/routing-log.js'

test('each scenario delivers what it names, and the service answers as Stripe expects', async (t) => {
  routed.length = 0
  const { app } = await buildApp(t, { handlersDir: handlerFolder('patterns') })

  const duplicate = buildEvent('customer.created')
  const [first, second] = await deliverTwice(app, duplicate)
  t.same([first.statusCode, second.statusCode], [200, 200], 'both deliveries are acknowledged')
  t.equal(routed.filter((run) => run.eventId === duplicate.id).length, 1, 'the handler ran once')

  const stale = await deliverStale(app, buildEvent('customer.created'))
  t.equal(stale.statusCode, 400)
  t.equal(stale.json().code, 'TIMESTAMP_OUTSIDE_TOLERANCE')
  const forged = await deliverWithWrongSecret(app, buildEvent('customer.created'))
  t.equal(forged.statusCode, 400)
  t.equal(forged.json().code, 'INVALID_SIGNATURE')
  t.equal(routed.length, 1, 'neither refused delivery reached a handler')

  const updated = eventWithPreviousAttributes('customer.subscription.updated', { status: 'trialing' }, { fields: { status: 'active' } })
  t.equal(updated.data.object.status, 'active')
  const older = buildEvent('customer.subscription.updated', { created: 1_764_000_000 })
  const [newerResponse, olderResponse] = await deliverOutOfOrder(app, older, updated)
  t.same([newerResponse.statusCode, olderResponse.statusCode], [200, 200])
  const [newerRun, olderRun] = routed.slice(1)
  t.same(newerRun?.previousAttributes, { status: 'trialing' }, 'previous_attributes reached the handler')
  t.equal(newerRun?.eventId, updated.id, 'the newer event arrived first')
  t.equal(olderRun?.eventId, older.id)
  t.ok((olderRun?.created ?? Infinity) < (newerRun?.created ?? 0), 'and the older one says it is older')
})
