// An event of another API release than the handlers are written for (STRIPE_API_VERSION, else the
// installed stripe package's) is still handled, with a warning, and counted by its version.
import { test } from 'tap'
import { buildApp, deliver, loadFixture, settle } from '../helper.js'
import { metricValue } from '../helpers/metric-value.js'

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
