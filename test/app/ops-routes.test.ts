// Health, readiness and metrics as the orchestrator and Prometheus see them.
import { test } from 'tap'
import type Stripe from 'stripe'
import { buildApp, deliver, handlerFolder, loadFixture, paymentIntentSucceeded, settle } from '../helper.js'
import { completedEventIds, startedEventIds } from '../fixtures/handler-folders/slow/payment_intent.succeeded.js'

function metricValue (text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((row) => row.startsWith(`${name}${labels === '' ? ' ' : `{${labels}} `}`))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}

test('healthz and readyz answer, and probes stay out of the info log', async (t) => {
  const { app, logs } = await buildApp(t)
  const health = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', store: 'sqlite', handlers: 4, slots: 'free', shuttingDown: false })
  await app.inject({ method: 'GET', url: '/metrics' })
  t.notOk(logs.some((line) => (line.req as { url?: string } | undefined)?.url?.match(/healthz|readyz|metrics/) !== undefined), 'no request log line for probes')
})

test('metrics count deliveries by type and outcome, refusals by reason, and handler runs', async (t) => {
  const { app } = await buildApp(t)
  const payment = loadFixture('payment_intent.succeeded')
  await deliver(app, payment)
  await deliver(app, payment)
  await deliver(app, loadFixture('customer.created'))
  await deliver(app, payment, { secret: 'whsec_wrong' })
  await deliver(app, payment, { signature: null })
  await deliver(app, '[]')
  await settle(app)

  const response = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /text\/plain/)
  const text = response.body
  t.equal(metricValue(text, 'stripe_webhook_deliveries_total', 'type="payment_intent.succeeded",outcome="queued",reason=""'), 1)
  t.equal(metricValue(text, 'stripe_webhook_deliveries_total', 'type="payment_intent.succeeded",outcome="duplicate",reason=""'), 1)
  t.equal(metricValue(text, 'stripe_webhook_deliveries_total', 'type="customer.created",outcome="unhandled",reason=""'), 1)
  t.equal(metricValue(text, 'stripe_webhook_deliveries_total', 'type="unknown",outcome="rejected",reason="INVALID_SIGNATURE"'), 1)
  t.equal(metricValue(text, 'stripe_webhook_deliveries_total', 'type="unknown",outcome="rejected",reason="NOT_A_STRIPE_EVENT"'), 1)
  t.equal(metricValue(text, 'stripe_webhook_signature_failures_total', 'reason="MISSING_SIGNATURE"'), 1)
  t.equal(metricValue(text, 'stripe_webhook_signature_failures_total', 'reason="INVALID_SIGNATURE"'), 1)
  t.equal(metricValue(text, 'stripe_event_handler_duration_seconds_count', 'type="payment_intent.succeeded",outcome="handled"'), 1)
  t.equal(metricValue(text, 'stripe_events_queue_depth'), 0)
  t.equal(metricValue(text, 'stripe_events_failed'), 0)
  t.ok(text.includes('process_cpu_seconds_total'), 'process metrics too')
})

test('queue depth and the age of the oldest unsettled event show a backlog', async (t) => {
  const { app } = await buildApp(t, { env: { WORKER_CONCURRENCY: '1' }, handlersDir: handlerFolder('slow') })
  for (let index = 0; index < 4; index++) await deliver(app, paymentIntentSucceeded(`evt_backlog_${index}`, { delay_ms: '300' }))
  await new Promise((resolve) => setTimeout(resolve, 50))
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.ok(metricValue(text, 'stripe_events_queue_depth') >= 3, 'the backlog is visible')
  t.ok(metricValue(text, 'stripe_events_oldest_unsettled_age_seconds') > 0, 'and how old it is')
})

test('readyz turns unready as soon as a shutdown starts, while handlers finish', async (t) => {
  startedEventIds.length = 0
  const { app } = await buildApp(t, { handlersDir: handlerFolder('slow') })
  await deliver(app, paymentIntentSucceeded('evt_during_shutdown', { delay_ms: '200' }))
  while (!startedEventIds.includes('evt_during_shutdown')) await new Promise((resolve) => setTimeout(resolve, 5))
  const closing = app.close()
  let readiness = await app.readiness()
  for (let tries = 0; tries < 20 && readiness.ready; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
    readiness = await app.readiness()
  }
  t.match(readiness, { ready: false, checks: { shuttingDown: true } })
  t.notOk(completedEventIds.includes('evt_during_shutdown'), 'unready while the handler was still running')
  await closing
  t.ok(completedEventIds.includes('evt_during_shutdown'), 'the running handler finished before the close completed')
})

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

test('an event of another API version is handled with a warning and counted', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = { ...loadFixture('payment_intent.succeeded'), api_version: '2024-06-20' }
  t.equal((await deliver(app, event)).statusCode, 200)
  await settle(app)
  t.ok(logs.some((line) => line.level === 40 && line.apiVersion === '2024-06-20' && /written for 2026-10-28\.endive/.test(line.msg)))
  t.ok(logs.some((line) => line.msg === 'PaymentIntent was successful!'), 'handled all the same')
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.equal(metricValue(text, 'stripe_event_api_version_mismatches_total', 'api_version="2024-06-20"'), 1)
})

test('with METRICS_PORT set, the ops routes leave the public listener', async (t) => {
  const { app } = await buildApp(t, { env: { METRICS_PORT: '9464' } })
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 404)
})
