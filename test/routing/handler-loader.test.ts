import { test } from 'tap'
import { buildEvent } from '../../src/samples/build-event.js'
import { buildApp, deliver, handlerFolder, loadFixture, settle } from '../helper.js'
import { routed } from '../fixtures/routing/routing-log.js'

test('a typo in a handler file name stops start-up with the closest event type', async (t) => {
  await t.rejects(buildApp(t, { handlersDir: handlerFolder('typo') }), {
    code: 'INVALID_HANDLER',
    message: /handlers\/payment_intent\.succeded\.ts: "payment_intent\.succeded" is not in stripe [\d.]+'s list of event types\. Did you mean payment_intent\.succeeded\?/
  })
})

test('a file that declares another type than its name stops start-up', async (t) => {
  await t.rejects(buildApp(t, { handlersDir: handlerFolder('wrong-type') }), {
    code: 'INVALID_HANDLER',
    message: /declares defineHandler\('charge\.succeeded', \.\.\.\) but its file name says payment_intent\.succeeded.*rename the file to charge\.succeeded\.ts/
  })
})

test('two handlers for one type stop start-up, naming both files', async (t) => {
  await t.rejects(buildApp(t, { handlersDir: handlerFolder('duplicate') }), {
    code: 'INVALID_HANDLER',
    message: /invoice\.paid has two handlers: handlers\/billing\/invoice\.paid\.ts and handlers\/invoice\.paid\.ts/
  })
})

test('a file that does not export a handler stops start-up with the shape to use', async (t) => {
  await t.rejects(buildApp(t, { handlersDir: handlerFolder('not-a-handler') }), {
    code: 'INVALID_HANDLER',
    message: /handlers\/invoice\.paid\.ts must default-export a handler: export default defineHandler\('invoice\.paid'/
  })
})

test('tests and type declarations beside handlers are never taken for handlers', async (t) => {
  const { app, logs } = await buildApp(t, { handlersDir: handlerFolder('skips-tests') })
  t.same(app.stripeHandlers.types, ['invoice.paid'])
  t.match(logs.find((line) => line.msg === 'Loaded 1 Stripe event handlers'), { handlers: ['invoice.paid.ts'] })
})

test('a missing handlers folder starts with no handlers and acknowledges every event', async (t) => {
  const { app, logs } = await buildApp(t, { handlersDir: handlerFolder('does-not-exist') })
  t.same(app.stripeHandlers.types, [])
  t.equal((await deliver(app, loadFixture('payment_intent.succeeded'))).statusCode, 200)
  t.ok(logs.some((line) => line.msg === 'Unhandled event type: payment_intent.succeeded'))
})

test('the project\'s own handlers folder loads the seed handlers', async (t) => {
  const { app } = await buildApp(t)
  t.same(app.stripeHandlers.types, ['balance.available', 'charge.dispute.created', 'payment_intent.succeeded', 'payment_method.attached'])
})

test('a handler\'s setup runs in its own encapsulated scope', async (t) => {
  const { app } = await buildApp(t, { handlersDir: handlerFolder('recording') })
  t.notOk(app.hasDecorator('recorder'), 'the handler\'s decorator stays inside its plugin')
  t.equal((await deliver(app, loadFixture('payment_intent.succeeded'))).statusCode, 200)
})

test('the most specific handler takes each event: its own type, then the longest prefix, then the catch-all', async (t) => {
  routed.length = 0
  const { app } = await buildApp(t, { handlersDir: handlerFolder('patterns') })
  t.same(app.stripeHandlers.types, ['*', 'customer.*', 'customer.subscription.*', 'customer.subscription.deleted'])
  const sent = ['customer.subscription.deleted', 'customer.subscription.updated', 'customer.created', 'customer.tax_id.created', 'invoice.paid'] as const
  for (const type of sent) t.equal((await deliver(app, buildEvent(type))).statusCode, 200)
  await settle(app)
  t.same(routed.map(({ handler, eventType }) => ({ handler, eventType })), [
    { handler: 'customer.subscription.deleted', eventType: 'customer.subscription.deleted' },
    { handler: 'customer.subscription.*', eventType: 'customer.subscription.updated' },
    { handler: 'customer.*', eventType: 'customer.created' },
    { handler: 'customer.*', eventType: 'customer.tax_id.created' },
    { handler: '*', eventType: 'invoice.paid' }
  ], 'one handler per event, the most specific')
  t.equal(app.stripeHandlers.handlerFor('customer.subscription.paused'), 'customer.subscription.*')
  t.equal(app.stripeHandlers.handlerFor('v2.some.future_type'), '*', 'the catch-all takes types newer than the stripe package')
})

test('a prefix no Stripe event type has stops start-up with the closest prefix', async (t) => {
  await t.rejects(buildApp(t, { handlersDir: handlerFolder('prefix-typo') }), {
    code: 'INVALID_HANDLER',
    message: /handlers\/customer\.subscriptoin\._all\.ts: "customer\.subscriptoin\.\*" is not a prefix of any Stripe event type\. Did you mean customer\.subscription\.\*\?/
  })
})

test('a prefix file that declares another prefix stops start-up with the file name to use', async (t) => {
  await t.rejects(buildApp(t, { handlersDir: handlerFolder('prefix-wrong-type') }), {
    code: 'INVALID_HANDLER',
    message: /declares defineHandler\('customer\.subscription\.\*', \.\.\.\) but its file name says customer\.\*.*rename the file to customer\.subscription\._all\.ts/
  })
})
