import Fastify from 'fastify'
import { test } from 'tap'
import type Stripe from 'stripe'
import { routerServerOptions } from '../../src/startup/server-options.js'
import { buildApp, deliver, handlerFolder, loadFixture, messages, settle, signPayload, TEST_WEBHOOK_SECRET, logCapture } from '../helper.js'
import { handledEventIds } from '../fixtures/handler-folders/recording/payment_intent.succeeded.js'

const nowSeconds = (): number => Math.floor(Date.now() / 1000)

test('each seed event type reaches its handler and is acknowledged', async (t) => {
  const { app, logs } = await buildApp(t)
  for (const type of ['payment_intent.succeeded', 'payment_method.attached', 'charge.dispute.created', 'balance.available']) {
    const event = loadFixture(type)
    const response = await deliver(app, event)
    t.equal(response.statusCode, 200, type)
    t.same(response.json(), { received: true }, type)
    await settle(app)
    t.ok(logs.some((line) => line.eventId === event.id && line.eventType === type), `${type} logged with its event id`)
  }
})

test('an event type without a handler is acknowledged and logged as unhandled', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = loadFixture('customer.created')

  const response = await deliver(app, event)

  t.equal(response.statusCode, 200)
  t.same(response.json(), { received: true })
  t.match(logs.find((line) => line.msg === 'Unhandled event type: customer.created'), { eventId: event.id })
})

test('verification is over the raw bytes, however the JSON is laid out', async (t) => {
  const { app } = await buildApp(t)
  const event = loadFixture('payment_intent.succeeded')
  const layouts = {
    compact: JSON.stringify(event),
    pretty: JSON.stringify(event, null, 2),
    'tabs and CRLF': JSON.stringify(event, null, '\t').replace(/\n/g, '\r\n'),
    'escaped unicode': JSON.stringify(event).replace('Café', 'Caf\\u00e9'),
    'raw unicode and emoji': JSON.stringify({ ...event, data: { object: { ...(event.data.object as object), description: 'Größe M ☕ 支払い 🎉' } } })
  }
  for (const [layout, payload] of Object.entries(layouts)) {
    const response = await deliver(app, payload)
    t.equal(response.statusCode, 200, layout)
  }
})

test('a body re-serialised after signing is refused', async (t) => {
  const { app } = await buildApp(t)
  const signedText = JSON.stringify(loadFixture('payment_intent.succeeded'), null, 2)
  const response = await deliver(app, JSON.stringify(JSON.parse(signedText)), { signature: signPayload(signedText) })
  t.equal(response.statusCode, 400)
  t.equal(response.json().code, 'INVALID_SIGNATURE')
})

test('one valid v1 signature among several is enough', async (t) => {
  const { app } = await buildApp(t)
  const payload = JSON.stringify(loadFixture('payment_intent.succeeded'))
  const valid = signPayload(payload)
  const timestamp = valid.split(',')[0]
  const validV1 = valid.split(',')[1]
  const header = [timestamp, 'v1=' + 'a'.repeat(64), validV1, 'v1=' + 'b'.repeat(64), 'v0=' + 'c'.repeat(64)].join(',')

  const response = await deliver(app, payload, { signature: header })

  t.equal(response.statusCode, 200)
})

test('any configured secret verifies, for secret rolling and test plus live endpoints', async (t) => {
  const liveSecret = 'whsec_live_0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d'
  const { app } = await buildApp(t, { env: { STRIPE_WEBHOOK_SECRET: ` ${TEST_WEBHOOK_SECRET} , ${liveSecret}` } })
  const event = loadFixture('payment_intent.succeeded')

  t.equal((await deliver(app, event, { secret: TEST_WEBHOOK_SECRET })).statusCode, 200)
  t.equal((await deliver(app, event, { secret: liveSecret })).statusCode, 200)
  t.equal((await deliver(app, event, { secret: 'whsec_neither_of_them' })).statusCode, 400)
})

test('every kind of bad signature is a 400 that says what was wrong, and is logged without secrets', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = loadFixture('payment_intent.succeeded')
  const payload = JSON.stringify(event)
  const sentSignature = signPayload(payload).split('v1=')[1] as string
  const cases: Array<{ name: string, options: Parameters<typeof deliver>[2], code: string, body?: string }> = [
    { name: 'no header', options: { signature: null }, code: 'MISSING_SIGNATURE' },
    { name: 'empty header', options: { signature: '' }, code: 'MISSING_SIGNATURE' },
    { name: 'not a signature header', options: { signature: 'sha256=deadbeef' }, code: 'MALFORMED_SIGNATURE_HEADER' },
    { name: 'no timestamp', options: { signature: 'v1=' + 'a'.repeat(64) }, code: 'MALFORMED_SIGNATURE_HEADER' },
    { name: 'non-numeric timestamp', options: { signature: 't=soon,v1=' + 'a'.repeat(64) }, code: 'MALFORMED_SIGNATURE_HEADER' },
    { name: 'no v1 signature', options: { signature: `t=${nowSeconds()},v0=${'a'.repeat(64)}` }, code: 'MALFORMED_SIGNATURE_HEADER' },
    { name: 'wrong secret', options: { secret: 'whsec_someone_elses_secret' }, code: 'INVALID_SIGNATURE' },
    { name: 'valid signature, stale timestamp header', options: { signature: `t=1,v1=${sentSignature}` }, code: 'INVALID_SIGNATURE' },
    { name: 'signature of other bytes', options: { signature: signPayload(payload + ' ') }, code: 'INVALID_SIGNATURE' },
    { name: 'stale timestamp', options: { timestamp: nowSeconds() - 301 }, code: 'TIMESTAMP_OUTSIDE_TOLERANCE' },
    { name: 'stale and wrong secret', options: { timestamp: nowSeconds() - 3600, secret: 'whsec_other' }, code: 'INVALID_SIGNATURE' }
  ]
  for (const { name, options, code } of cases) {
    const response = await deliver(app, payload, options)
    t.equal(response.statusCode, 400, name)
    t.equal(response.headers['content-type'], 'application/json; charset=utf-8', name)
    t.equal(response.json().code, code, name)
    t.type(response.json().error, 'string', name)
  }
  t.ok(logs.some((line) => line.reason === 'TIMESTAMP_OUTSIDE_TOLERANCE' && /more than 300 seconds old/.test(line.msg)))
  const logText = JSON.stringify(logs)
  t.notOk(logText.includes(TEST_WEBHOOK_SECRET), 'no secret in the logs')
  t.notOk(logText.includes(sentSignature), 'no signature in the logs')
  t.notOk(logText.includes('stripe-signature'), 'no signature header in the logs')
})

test('a timestamp just inside the tolerance verifies; the tolerance is a setting', async (t) => {
  const { app } = await buildApp(t, { env: { STRIPE_SIGNATURE_TOLERANCE: '60' } })
  const event = loadFixture('payment_intent.succeeded')
  t.equal((await deliver(app, event, { timestamp: nowSeconds() - 50 })).statusCode, 200)
  t.equal((await deliver(app, event, { timestamp: nowSeconds() - 70 })).statusCode, 400)
})

test('a validly signed body that is not a Stripe event is a 400', async (t) => {
  const { app } = await buildApp(t)
  const event = loadFixture('payment_intent.succeeded') as unknown as Record<string, unknown>
  const bodies: Array<[string, string, string]> = [
    ['malformed JSON', '{"id": "evt_1", "type": ', 'INVALID_JSON'],
    ['an array', JSON.stringify([event]), 'NOT_A_STRIPE_EVENT'],
    ['a string', '"payment_intent.succeeded"', 'NOT_A_STRIPE_EVENT'],
    ['null', 'null', 'NOT_A_STRIPE_EVENT'],
    ['no type', JSON.stringify({ ...event, type: undefined }), 'NOT_A_STRIPE_EVENT'],
    ['no id', JSON.stringify({ ...event, id: undefined }), 'NOT_A_STRIPE_EVENT'],
    ['a numeric id', JSON.stringify({ ...event, id: 42 }), 'NOT_A_STRIPE_EVENT'],
    ['no data.object', JSON.stringify({ ...event, data: {} }), 'NOT_A_STRIPE_EVENT'],
    ['a thin event', JSON.stringify({ id: 'evt_test_65R', object: 'v2.core.event', type: 'v1.billing.meter.error_report_triggered' }), 'THIN_EVENT_NOT_SUPPORTED'],
    ['a __proto__ key', '{"id":"evt_1","type":"customer.created","data":{"object":{}},"__proto__":{"polluted":true}}', 'INVALID_JSON'],
    // No key is written out: the \u escapes alone send the body to secure-json-parse.
    ['a __proto__ key written with \\u escapes', '{"id":"evt_1","type":"customer.created","data":{"object":{}},"\\u005f_proto__":{"polluted":true}}', 'INVALID_JSON'],
    ['a constructor.prototype key written with \\u escapes', '{"id":"evt_1","type":"customer.created","data":{"object":{}},"\\u0063onstructor":{"prototype":{"polluted":true}}}', 'INVALID_JSON']
  ]
  for (const [name, body, code] of bodies) {
    const response = await deliver(app, body)
    t.equal(response.statusCode, 400, name)
    t.equal(response.json().code, code, name)
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted')
  t.equal((await deliver(app, event)).statusCode, 200, 'the next valid delivery succeeds')
  // A \u escape in a value (a name with an accent) is parsed by secure-json-parse, and accepted.
  const accented = JSON.stringify({ ...event, id: 'evt_accented_name' }).replace('"data":', '"description":"Ren\\u00e9e","data":')
  t.equal((await deliver(app, accented)).statusCode, 200, 'a body with a \\u escape in a value is accepted')
})

test('empty, oversized and non-JSON bodies are refused as client faults', async (t) => {
  const { app } = await buildApp(t, { env: { BODY_LIMIT: '4096' } })
  const event = loadFixture('payment_intent.succeeded')

  const empty = await deliver(app, '')
  t.equal(empty.statusCode, 400)
  t.equal(empty.json().code, 'EMPTY_BODY')

  const big = JSON.stringify({ ...event, padding: 'x'.repeat(5000) })
  const oversized = await deliver(app, big)
  t.equal(oversized.statusCode, 413)
  t.equal(oversized.json().code, 'BODY_TOO_LARGE')
  t.match(oversized.json().error, /4096 bytes/)

  const form = await deliver(app, 'id=evt_1', { headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(form.statusCode, 415)
  t.equal(form.json().code, 'UNSUPPORTED_MEDIA_TYPE')

  t.equal((await deliver(app, event)).statusCode, 200, 'the next valid delivery succeeds')
})

test('a body that is not UTF-8 is refused, whatever its signature', async (t) => {
  const { app } = await buildApp(t)
  const bytes = Buffer.concat([Buffer.from('{"id":"evt_1","type":"customer.created","data":{"object":{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}}')])
  const response = await app.inject({
    method: 'POST',
    url: '/webhook',
    headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(bytes.toString('latin1')) },
    payload: bytes
  })
  t.equal(response.statusCode, 400)
  t.same(response.json(), { error: 'The request body is not valid JSON: the body is not valid UTF-8', code: 'INVALID_JSON' })
})

test('inline: a handler that throws answers 500 so Stripe retries, logged with the event id', async (t) => {
  const { app, logs } = await buildApp(t, { handlersDir: handlerFolder('throwing'), env: { PROCESSING_MODE: 'inline' } })
  const event = loadFixture('payment_intent.succeeded')

  const response = await deliver(app, event)

  t.equal(response.statusCode, 500)
  t.same(response.json(), {
    error: 'The handler for payment_intent.succeeded failed; Stripe will retry the delivery',
    code: 'HANDLER_FAILED'
  })
  const failure = logs.find((line) => line.msg === 'Handler for payment_intent.succeeded failed')
  t.match(failure, { level: 50, eventId: event.id, err: { message: /fulfilment service unavailable/ } })
  t.notOk(JSON.stringify(response.json()).includes('fulfilment'), 'the handler\'s error stays in the log')
})

test('concurrent deliveries each run their handler once', async (t) => {
  handledEventIds.length = 0
  const { app } = await buildApp(t, { handlersDir: handlerFolder('recording') })
  const event = loadFixture<Stripe.PaymentIntentSucceededEvent>('payment_intent.succeeded')
  const ids = Array.from({ length: 50 }, (_, index) => `evt_concurrent_${index}`)

  const responses = await Promise.all(ids.map((id) => deliver(app, { ...event, id })))

  t.same(responses.map((response) => response.statusCode), ids.map(() => 200))
  await settle(app)
  t.same([...handledEventIds].sort(), [...ids].sort())
})

test('other routes answer a JSON 404 that points at the webhook path', async (t) => {
  const { app } = await buildApp(t, { env: { WEBHOOK_PATH: '/stripe/events' } })
  const get = await app.inject({ method: 'GET', url: '/elsewhere' })
  t.equal(get.statusCode, 404)
  t.same(get.json(), { error: 'No route for GET /elsewhere; Stripe events are posted to /stripe/events', code: 'NOT_FOUND' })
  t.equal((await deliver(app, loadFixture('customer.created'))).statusCode, 200, 'the configured path takes events')
  t.equal((await deliver(app, loadFixture('customer.created'), { path: '/webhook' })).statusCode, 404)
})

test('each delivery is logged once, with its event and outcome, and no header', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = loadFixture<Stripe.Event>('payment_intent.succeeded')
  await deliver(app, event)
  await deliver(app, event)
  await deliver(app, event, { secret: 'whsec_not_the_one' })
  const lines = logs.filter((line) => line.msg === 'Stripe delivery answered' || line.reason === 'INVALID_SIGNATURE')
  t.match(lines, [
    { eventId: event.id, eventType: 'payment_intent.succeeded', outcome: 'queued', statusCode: 200, responseTimeMs: Number },
    { eventId: event.id, outcome: 'duplicate', statusCode: 200 },
    { msg: /^Stripe signature verification failed/, statusCode: 400 }
  ])
  t.equal(lines.length, 3, 'the refused one has its refusal line only')
  t.notOk(messages(logs).includes('incoming request'), 'not Fastify\'s generic lines as well')
  t.notOk(JSON.stringify(logs).includes('t='), 'no signature header value')
  t.equal(new Set(lines.map((line) => line.reqId)).size, 3, 'each line carries its own request id')
})

test('a request\'s logger is made when it first logs, with its request id, and a route\'s own log level holds', async (t) => {
  const { stream, logs } = logCapture()
  const fastify = Fastify({ ...routerServerOptions(), logger: { level: 'info', stream } })
  t.teardown(() => fastify.close())
  fastify.get('/quiet', { logLevel: 'error' }, async (request) => {
    request.log.warn('below the route level')
    request.log.error('at the route level')
    return { id: request.id }
  })
  fastify.get('/loud', async (request) => {
    request.log.debug('below the logger level')
    request.log.info('at the logger level')
    request.log.child({ step: 'child' }).info('from a child')
    return { id: request.id }
  })
  const quiet = (await fastify.inject('/quiet')).json<{ id: string }>()
  const loud = (await fastify.inject('/loud')).json<{ id: string }>()
  t.match(logs.map(({ msg, reqId, step }) => ({ msg, reqId, step })), [
    { msg: 'at the route level', reqId: quiet.id },
    { msg: 'at the logger level', reqId: loud.id },
    { msg: 'from a child', reqId: loud.id, step: 'child' }
  ])
  t.equal(logs.length, 3, 'nothing below either level')
})
