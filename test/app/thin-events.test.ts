// Thin events from event destinations: verified like snapshot events, stored and deduplicated by the
// same inbox, dispatched to handlers named by their thin type, which fetch through stripe-node.
import { test } from 'tap'
import { buildEvent } from '../../src/samples/build-event.js'
import { buildThinEvent } from '../../src/samples/build-thin-event.js'
import { FAKE_SECRET_KEY, startFakeStripeApi } from '../helpers/stripe-api-fake.js'
import { buildApp, deliver, handlerFolder, settle } from '../helper.js'
import { thinRuns } from '../fixtures/handler-folders/thin/v1.billing.meter.no_meter_found.js'
import { accountRuns } from '../fixtures/handler-folders/thin/v2.core.account._all.js'
import { deliverTwice, deliverWithWrongSecret } from '../scenarios.js'

async function thinApp (t: Parameters<typeof buildApp>[0], env: Record<string, string> = {}) {
  const api = await startFakeStripeApi()
  t.teardown(api.close)
  const apiEnv = { STRIPE_SECRET_KEY: FAKE_SECRET_KEY, STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: String(api.port), STRIPE_API_PROTOCOL: 'http' }
  const { app, logs } = await buildApp(t, { handlersDir: handlerFolder('thin'), env: { ...apiEnv, ...env } })
  return { app, logs, api }
}

test('a thin event reaches the handler for its type as stripe-node\'s notification, fetching with key and context', async (t) => {
  thinRuns.length = 0
  const { app, api } = await thinApp(t)
  const event = buildThinEvent('v1.billing.meter.no_meter_found', { context: 'acct_1Connected' })

  const [first, second] = await deliverTwice(app, event)

  t.same([first.statusCode, second.statusCode], [200, 200])
  t.same(first.json(), { received: true })
  t.equal(thinRuns.length, 1, 'handled once, though delivered twice')
  t.match(thinRuns[0], { id: event.id, type: 'v1.billing.meter.no_meter_found', context: 'acct_1Connected' })
  t.match(thinRuns[0]?.fetched, { id: event.id, fetched_from: `/v2/core/events/${event.id}` }, 'fetchEvent went through the configured client')
  t.same(api.contexts, ['acct_1Connected'], 'with the event\'s context')
  const stored = await app.eventInbox.store?.get(event.id)
  t.match(stored, { type: 'v1.billing.meter.no_meter_found', status: 'handled', account: 'acct_1Connected', apiVersion: null })
  t.equal(stored?.created, Math.floor(Date.parse(event.created) / 1000), 'its ISO time is stored as seconds')
})

test('a prefix handler takes thin types under it and fetches the related object', async (t) => {
  accountRuns.length = 0
  const { app } = await thinApp(t)
  const event = buildThinEvent('v2.core.account.created', { relatedObjectId: 'acct_1New' })
  t.equal((await deliver(app, event)).statusCode, 200)
  await settle(app)
  t.match(accountRuns, [{ type: 'v2.core.account.created', account: { id: 'acct_1New', fetched_from: '/v2/core/accounts/acct_1New' } }])
  t.equal(app.stripeHandlers.handlerFor('v2.core.account.updated'), 'v2.core.account.*')
  t.equal(app.stripeHandlers.handlerFor('v1.billing.meter.error_report_triggered'), undefined)
})

test('each route takes its own kind of event, and a thin delivery is verified like any other', async (t) => {
  const { app } = await thinApp(t)
  const snapshotOnThin = await deliver(app, buildEvent('payment_intent.succeeded'), { path: app.config.THIN_WEBHOOK_PATH })
  t.equal(snapshotOnThin.statusCode, 400)
  t.equal(snapshotOnThin.json().code, 'SNAPSHOT_EVENT_NOT_SUPPORTED')
  const thinOnSnapshot = await deliver(app, buildThinEvent('v2.core.account.created'), { path: app.config.WEBHOOK_PATH })
  t.equal(thinOnSnapshot.statusCode, 400)
  t.equal(thinOnSnapshot.json().code, 'THIN_EVENT_NOT_SUPPORTED')
  const forged = await deliverWithWrongSecret(app, buildThinEvent('v2.core.account.created'))
  t.equal(forged.statusCode, 400)
  t.equal(forged.json().code, 'INVALID_SIGNATURE')
  const { created: _created, ...undated } = buildThinEvent('v2.core.account.created')
  const malformed = await deliver(app, undated)
  t.equal(malformed.statusCode, 400)
  t.match(malformed.json(), { code: 'NOT_A_STRIPE_EVENT', error: /"created" must be an ISO 8601 time/ })

  const unhandled = buildThinEvent('v2.core.event_destination.ping')
  t.equal((await deliver(app, unhandled)).statusCode, 200)
  t.equal((await app.eventInbox.store?.get(unhandled.id))?.status, 'unhandled')
})

test('without STRIPE_SECRET_KEY a fetch fails clearly and the event is kept as failed, not lost', async (t) => {
  const { app } = await buildApp(t, { handlersDir: handlerFolder('thin'), env: { MAX_ATTEMPTS: '1' } })
  const event = buildThinEvent('v2.core.account.created')
  t.equal((await deliver(app, event)).statusCode, 200)
  await settle(app)
  const stored = await app.eventInbox.store?.get(event.id)
  t.equal(stored?.status, 'failed')
  t.match(stored?.lastError, /Fetching a thin event's data needs STRIPE_SECRET_KEY, which is not set/)
})
