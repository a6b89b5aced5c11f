// Health, readiness and metrics as the orchestrator and Prometheus see them.
import { test } from 'tap'
import { buildApp, deliver, handlerFolder, loadFixture, paymentIntentSucceeded, settle } from '../helper.js'
import { completedEventIds, startedEventIds } from '../fixtures/handler-folders/slow/payment_intent.succeeded.js'
import { metricValue } from '../helpers/metric-value.js'

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

test('with METRICS_PORT set, the ops routes leave the public listener', async (t) => {
  const { app } = await buildApp(t, { env: { METRICS_PORT: '9464' } })
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 404)
})
