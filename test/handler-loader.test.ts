import { test } from 'tap'
import { buildApp, deliver, handlerFolder, loadFixture } from './helper.js'


test('a typo in a handler file name stops start-up with the closest event type', async (t) => {
  await t.rejects(buildApp(t, { handlersDir: handlerFolder('typo') }), {
    code: 'INVALID_HANDLER',
    message: /handlers\/payment_intent\.succeded\.ts: "payment_intent\.succeded" is not a Stripe event type\. Did you mean payment_intent\.succeeded\?/
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
