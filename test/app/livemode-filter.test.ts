// LIVEMODE keeps the other mode's events from their handlers: a Connect platform's live deployment
// gets its test-mode events as a matter of course, so each is logged at info (not warn) and counted
// once by its livemode, on every store.
import { join } from 'node:path'
import { test, type Test } from 'tap'
import type Stripe from 'stripe'
import { buildApp, deliver, handlerFolder, loadFixture, paymentIntentSucceeded, settle, temporaryDir } from '../helper.js'
import { metricValue } from '../helpers/metric-value.js'
import { backendEnv, backends } from '../helpers/postgres.js'
import { sideEffectCounts } from '../helpers/side-effects.js'

const ignoredLine = 'Ignored a test-mode event: LIVEMODE=live handles only live-mode events'

// Without a store nothing is deduplicated: each delivery of the event is ignored again.
const stores = [
  ...backends.map((backend) => ({ name: backend, ignoredRepeats: false, env: async (t: Test) => await backendEnv(t, backend) })),
  { name: 'no store', ignoredRepeats: true, env: async () => ({ EVENT_STORE: 'none' }) }
]

for (const store of stores) {
  test(`${store.name}: a test-mode event on LIVEMODE=live is logged at info and counted once by its livemode, not handled`, async (t) => {
    const env = await store.env(t)
    if (env === null) return
    const effects = join(temporaryDir(t), 'effects')
    const { app, logs } = await buildApp(t, { env: { ...env, LIVEMODE: 'live' }, handlersDir: handlerFolder('side-effects') })
    const testMode = paymentIntentSucceeded('evt_test_mode_1', { effects_file: effects })
    t.equal((await deliver(app, testMode)).statusCode, 200)
    t.equal((await deliver(app, testMode)).statusCode, 200, 'a redelivery is acknowledged too')
    t.equal((await deliver(app, { ...paymentIntentSucceeded('evt_live_mode_1', { effects_file: effects }), livemode: true })).statusCode, 200)
    await settle(app)

    t.same([...sideEffectCounts(effects)], [['evt_live_mode_1', 1]], 'only the live-mode event ran its handler')
    const ignored = logs.filter((line) => line.msg === ignoredLine)
    t.equal(ignored.length, store.ignoredRepeats ? 2 : 1)
    t.ok(ignored.every((line) => line.level === 30 && line.eventId === 'evt_test_mode_1' && line.livemode === false), 'at info, with the event')
    t.same(logs.filter((line) => line.level >= 40 && line.eventId !== undefined).map((line) => line.msg), [], 'no warn line about any event')
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
    t.same(text.split('\n').filter((line) => line.startsWith('stripe_webhook_events_ignored_total{')),
      [`stripe_webhook_events_ignored_total{livemode="false"} ${store.ignoredRepeats ? 2 : 1}`])
  })
}

// With the service's own handlers: the ignored event's stored status, and the outcome it is counted by.
test('LIVEMODE=live acknowledges test-mode events, stores them as ignored, and does not handle them', async (t) => {
  const { app, logs } = await buildApp(t, { env: { LIVEMODE: 'live' } })
  const event = loadFixture('payment_intent.succeeded')
  const response = await deliver(app, event)
  t.equal(response.statusCode, 200)
  await settle(app)
  t.match(await app.eventInbox.store?.get(event.id), { status: 'ignored', attempts: 0 })
  t.notOk(logs.some((line) => line.msg === 'PaymentIntent was successful!'))
  t.ok(logs.some((line) => line.msg === 'Ignored a test-mode event: LIVEMODE=live handles only live-mode events'))
  const live = await deliver(app, { ...event, id: 'evt_live_1', livemode: true })
  t.equal(live.statusCode, 200)
  await settle(app)
  t.match(await app.eventInbox.store?.get('evt_live_1'), { status: 'handled' })
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.equal(metricValue(text, 'stripe_webhook_deliveries_total', 'type="payment_intent.succeeded",outcome="ignored",reason=""'), 1)
})

test('LIVEMODE=test without a store ignores live events too', async (t) => {
  const { app, logs } = await buildApp(t, { env: { LIVEMODE: 'test', EVENT_STORE: 'none' } })
  const event = loadFixture<Stripe.PaymentIntentSucceededEvent>('payment_intent.succeeded')
  t.equal((await deliver(app, { ...event, livemode: true })).statusCode, 200)
  t.notOk(logs.some((line) => line.msg === 'PaymentIntent was successful!'))
  t.equal((await deliver(app, event)).statusCode, 200)
  t.ok(logs.some((line) => line.msg === 'PaymentIntent was successful!'))
})
