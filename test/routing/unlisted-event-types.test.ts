// Event types newer than the installed stripe package: a handler takes one only through
// defineUnlistedHandler, with a start-up warning naming the stripe version; every other name that
// stripe does not list still stops start-up as a likely typo, saying how to opt in.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { test } from 'tap'
import { buildEvent } from '../../src/samples/build-event.js'
import { buildThinEvent } from '../../src/samples/build-thin-event.js'
import { subscriptionsFor } from '../../src/cli/endpoint-subscriptions.js'
import { listHandlerPatterns } from '../../src/routing/handler-loader.js'
import { FAKE_SECRET_KEY, startFakeStripeApi } from '../helpers/stripe-api-fake.js'
import { buildApp, deliver, handlerFolder, settle, type LogLine } from '../helper.js'
import { backendEnv, backends } from '../helpers/postgres.js'
import { unlistedRuns } from '../fixtures/handler-folders/unlisted/terminal.reader.future_action.js'
import { unlistedThinRuns } from '../fixtures/handler-folders/unlisted/v1.billing.meter.future_type.js'

// Read here on its own, not through the code under test: the version the messages must name.
function stripeVersionOnDisk (): string {
  let folder = dirname(createRequire(import.meta.url).resolve('stripe'))
  for (;;) {
    try {
      const found = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: string, version: string }
      if (found.name === 'stripe') return found.version
    } catch {}
    folder = dirname(folder)
  }
}

const stripeVersion = stripeVersionOnDisk()
const warnings = (logs: LogLine[]): LogLine[] => logs.filter((line) => line.level === 40 && line.stripeVersion !== undefined)

for (const backend of backends) {
  test(`${backend}: a handler that opted in takes a snapshot type stripe does not list, and start-up warns naming the stripe version`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    unlistedRuns.length = 0
    const { app, logs } = await buildApp(t, { env, handlersDir: handlerFolder('unlisted') })
    t.same(app.stripeHandlers.types, ['terminal.reader.future_action', 'v1.billing.meter.future_type'])
    t.match(warnings(logs), [
      {
        eventType: 'terminal.reader.future_action',
        handler: 'handlers/terminal.reader.future_action.ts',
        stripeVersion,
        msg: `handlers/terminal.reader.future_action.ts takes terminal.reader.future_action, which stripe ${stripeVersion} does not list: ` +
          'its events arrive untyped (defineUnlistedHandler). Once an upgrade of stripe lists it, switch to defineHandler for the typed event.'
      },
      { eventType: 'v1.billing.meter.future_type', stripeVersion }
    ])

    // A real listed event, renamed to the new type: what Stripe would send before stripe-node knows it.
    const listed = buildEvent('terminal.reader.action_succeeded')
    const event = { ...listed, type: 'terminal.reader.future_action' }
    t.equal((await deliver(app, event)).statusCode, 200)
    t.equal((await deliver(app, event)).statusCode, 200, 'a redelivery is acknowledged')
    await settle(app)
    t.same(unlistedRuns, [{ id: event.id, type: 'terminal.reader.future_action', object: 'terminal.reader', readerId: listed.data.object.id }],
      'handled once, with the object as sent')
    t.match(await app.eventInbox.store?.get(event.id), { type: 'terminal.reader.future_action', status: 'handled' })
  })
}

test('a handler that opted in takes a thin type stripe does not list, as stripe-node\'s notification that fetches', async (t) => {
  unlistedThinRuns.length = 0
  const api = await startFakeStripeApi()
  t.teardown(api.close)
  const { app } = await buildApp(t, {
    handlersDir: handlerFolder('unlisted'),
    env: { STRIPE_SECRET_KEY: FAKE_SECRET_KEY, STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: String(api.port), STRIPE_API_PROTOCOL: 'http' }
  })
  const event = { ...buildThinEvent('v1.billing.meter.no_meter_found'), type: 'v1.billing.meter.future_type' }
  t.equal((await deliver(app, event)).statusCode, 200)
  await settle(app)
  t.equal(unlistedThinRuns.length, 1)
  t.match(unlistedThinRuns[0], { id: event.id, type: 'v1.billing.meter.future_type', fetched: { id: event.id, fetched_from: `/v2/core/events/${event.id}` } })
})

test('a name stripe does not list, without the opt-in, stops start-up: not in stripe <version>\'s list, the closest type, how to opt in', async (t) => {
  await t.rejects(buildApp(t, { handlersDir: handlerFolder('typo') }), {
    code: 'INVALID_HANDLER',
    message: `handlers/payment_intent.succeded.ts: "payment_intent.succeded" is not in stripe ${stripeVersion}'s list of event types. ` +
      'Did you mean payment_intent.succeeded? ' +
      `If Stripe sends it and it is newer than stripe ${stripeVersion}, opt in: ` +
      'export default defineUnlistedHandler(\'payment_intent.succeded\', async (event, context) => { ... }) in handlers/payment_intent.succeded.ts ' +
      '(see "Types newer than the stripe package" in handlers/README.md). ' +
      'Name the file after the event type it handles, e.g. handlers/payment_intent.succeeded.ts, or ' +
      'after a prefix, e.g. handlers/customer.subscription._all.ts for every customer.subscription.* event.'
  })
})

test('an opt-in for a type stripe now lists loads, with a warning to switch to defineHandler', async (t) => {
  const { app, logs } = await buildApp(t, { handlersDir: handlerFolder('unlisted-now-listed') })
  t.same(app.stripeHandlers.types, ['payment_intent.succeeded'])
  t.match(warnings(logs), [{
    eventType: 'payment_intent.succeeded',
    msg: `handlers/payment_intent.succeeded.ts takes payment_intent.succeeded with defineUnlistedHandler, but stripe ${stripeVersion} lists it: ` +
      'switch to defineHandler(\'payment_intent.succeeded\', ...) to get its typed event.'
  }])
})

test('an opt-in one typo away from a listed type loads, and its warning names the listed type', async (t) => {
  const { logs } = await buildApp(t, { handlersDir: handlerFolder('unlisted-near-listed') })
  t.match(warnings(logs), [{ eventType: 'invoice.payed', msg: / does not list: .* If you meant invoice\.paid, rename the file and use defineHandler\.$/ }])
})

test('the endpoint check subscribes to an unlisted snapshot type like any other, and leaves thin ones to event destinations', async (t) => {
  t.same(subscriptionsFor(await listHandlerPatterns(handlerFolder('unlisted'))), ['terminal.reader.future_action'])
})

test('an opt-in whose file name differs from the type it declares stops start-up with the name to use', async (t) => {
  await t.rejects(buildApp(t, { handlersDir: handlerFolder('unlisted-wrong-type') }), {
    code: 'INVALID_HANDLER',
    message: /handlers\/terminal\.reader\.future_actoin\.ts declares defineUnlistedHandler\('terminal\.reader\.future_action', \.\.\.\) but its file name says terminal\.reader\.future_actoin.*rename the file to terminal\.reader\.future_action\.ts/
  })
})
