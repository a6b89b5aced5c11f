// Misrouted deliveries through a real socket: a trailing or doubled slash reaches the event route
// (never a redirect, which Stripe would not follow), another method is a 405 naming POST, and a
// request that matches no route is a warn line and a metric an alert can fire on.
import { test } from 'tap'
import { buildThinEvent } from '../../src/samples/build-thin-event.js'
import { buildApp, paymentIntentSucceeded, signPayload, type LogLine } from '../helper.js'

async function listeningApp (t: Parameters<typeof buildApp>[0]): Promise<{ url: string, logs: LogLine[], metrics: () => Promise<string> }> {
  const { app, logs } = await buildApp(t)
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, logs, metrics: async () => await (await fetch(`${url}/metrics`)).text() }
}

async function send (url: string, path: string, body: string, method = 'POST'): Promise<Response> {
  // fetch keeps a doubled slash as it is; redirect: 'manual' shows a redirect instead of following it.
  const response = await fetch(`${url}${path}`, {
    method,
    redirect: 'manual',
    headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(body) },
    body: method === 'POST' ? body : undefined
  })
  return response
}

test('a trailing or doubled slash reaches the same route, with no redirect', async (t) => {
  const { url } = await listeningApp(t)
  const thin = JSON.stringify(buildThinEvent('v1.billing.meter.no_meter_found'))
  const cases: Array<[string, string]> = [
    ['/webhook/', JSON.stringify(paymentIntentSucceeded('evt_trailing_slash'))],
    ['//webhook', JSON.stringify(paymentIntentSucceeded('evt_doubled_slash'))],
    ['/webhook//', JSON.stringify(paymentIntentSucceeded('evt_both'))],
    ['/webhook/thin/', thin],
    ['//webhook//thin', JSON.stringify(buildThinEvent('v1.billing.meter.no_meter_found'))]
  ]
  for (const [path, body] of cases) {
    const response = await send(url, path, body)
    t.equal(response.status, 200, `${path}: taken`)
    t.same(await response.json(), { received: true }, `${path}: the event route answered`)
  }
})

test('other methods on the event paths answer 405 with Allow: POST', async (t) => {
  const { url, metrics } = await listeningApp(t)
  for (const [method, path] of [['GET', '/webhook'], ['PUT', '/webhook/'], ['DELETE', '/webhook/thin'], ['HEAD', '/webhook'], ['OPTIONS', '/webhook/thin/']] as const) {
    const response = await send(url, path, '{}', method)
    t.equal(response.status, 405, `${method} ${path}`)
    t.equal(response.headers.get('allow'), 'POST', `${method} ${path}: Allow: POST`)
    if (method !== 'HEAD') t.match(await response.json(), { code: 'METHOD_NOT_ALLOWED', error: `${method} is not accepted here: Stripe posts events with POST` })
  }
  const exposition = await metrics()
  for (const method of ['GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']) {
    t.match(exposition, `stripe_webhook_unrouted_requests_total{method="${method}",status="405"} 1`, `${method}: counted`)
  }
})

test('a request that matches no route is a warn line with its method and path, and a metric', async (t) => {
  const { url, logs, metrics } = await listeningApp(t)
  const body = JSON.stringify(paymentIntentSucceeded('evt_misrouted'))
  for (const path of ['/webhooks', '/stripe/webhook', '/webhook/thin/extra']) {
    const response = await send(url, path, body)
    t.equal(response.status, 404, path)
    t.equal((await response.json()).code, 'NOT_FOUND')
  }
  const lines = logs.filter((line) => line.code === 'NOT_FOUND')
  t.match(lines, [
    { level: 40, method: 'POST', path: '/webhooks', msg: 'No route for POST /webhooks' },
    { level: 40, method: 'POST', path: '/stripe/webhook' },
    { level: 40, method: 'POST', path: '/webhook/thin/extra' }
  ])
  t.match(await metrics(), /stripe_webhook_unrouted_requests_total\{method="POST",status="404"\} 3/)
})
