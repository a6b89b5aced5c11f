// The error-replies plugin on a bare Fastify: every error becomes `{ error, code }` with its status;
// only errors raised on purpose explain themselves, and a client's fault stays a 4xx.
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import errorReplies from '../../plugins/error-replies.js'
import metrics from '../../plugins/metrics.js'
import { BodyTooLargeError, EventInProgressError, MissingSignatureError } from '../../src/errors.js'
import { bareFastify, registerSettings, type BareFastify } from '../helpers/bare-fastify.js'

const internals = 'connect ECONNREFUSED 10.0.0.7:5432 for user billing_admin'

async function bareApp (t: Parameters<typeof bareFastify>[0]): Promise<BareFastify> {
  const bare = bareFastify(t)
  const { fastify } = bare
  await registerSettings(t, fastify)
  await fastify.register(metrics)
  await fastify.register(errorReplies)
  fastify.get('/missing-signature', async () => { throw new MissingSignatureError() })
  fastify.get('/in-progress', async () => { throw new EventInProgressError('evt_1') })
  fastify.get('/unexpected', async () => { throw new Error(internals) })
  fastify.get('/client-fault', async () => { throw Object.assign(new Error('Some library refusal'), { statusCode: 422 }) })
  fastify.post('/json', async (request) => request.body)
  await fastify.ready()
  return bare
}

async function get (fastify: FastifyInstance, url: string): Promise<{ statusCode: number, body: unknown }> {
  const response = await fastify.inject({ method: 'GET', url })
  return { statusCode: response.statusCode, body: response.json() }
}

test('a thrown coded error becomes its JSON answer, with its status', async (t) => {
  const { fastify } = await bareApp(t)
  t.same(await get(fastify, '/missing-signature'), {
    statusCode: 400,
    body: { error: new MissingSignatureError().message, code: 'MISSING_SIGNATURE' }
  })
  t.same(await get(fastify, '/in-progress'), {
    statusCode: 409,
    body: { error: new EventInProgressError('evt_1').message, code: 'EVENT_IN_PROGRESS' }
  })
})

test('an unexpected error is a 500 INTERNAL_ERROR without its message, which only the log holds', async (t) => {
  const { fastify, logs } = await bareApp(t)
  const response = await fastify.inject({ method: 'GET', url: '/unexpected' })
  t.equal(response.statusCode, 500)
  t.same(response.json(), { error: 'Internal server error', code: 'INTERNAL_ERROR' })
  t.notOk(response.body.includes('ECONNREFUSED'), 'the answer leaves out the cause')
  const line = logs.find((candidate) => candidate.msg === 'Request failed')
  t.match(line, { level: 50, code: 'INTERNAL_ERROR', err: { message: internals } }, 'the log line keeps the cause')
})

test('a client fault raised by something else stays a 4xx, as BAD_REQUEST with its message', async (t) => {
  const { fastify } = await bareApp(t)
  t.same(await get(fastify, '/client-fault'), { statusCode: 422, body: { error: 'Some library refusal', code: 'BAD_REQUEST' } })
})

test('Fastify\'s own refusals are answered in the router\'s words', async (t) => {
  const { fastify } = await bareApp(t)
  const tooLarge = await fastify.inject({ method: 'POST', url: '/json', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ padding: 'x'.repeat(1_100_000) }) })
  t.equal(tooLarge.statusCode, 413)
  t.same(tooLarge.json(), { error: new BodyTooLargeError(fastify.config.BODY_LIMIT).message, code: 'BODY_TOO_LARGE' })
  const wrongType = await fastify.inject({ method: 'POST', url: '/json', headers: { 'content-type': 'application/xml' }, payload: '<event/>' })
  t.equal(wrongType.statusCode, 415)
  t.equal(wrongType.json().code, 'UNSUPPORTED_MEDIA_TYPE')
  const badJson = await fastify.inject({ method: 'POST', url: '/json', headers: { 'content-type': 'application/json' }, payload: '{"id":' })
  t.equal(badJson.statusCode, 400)
  t.equal(badJson.json().code, 'BAD_REQUEST')
})

test('a request that matches no route is a 404 NOT_FOUND naming the webhook path, logged at warn', async (t) => {
  const { fastify, logs } = await bareApp(t)
  const response = await fastify.inject({ method: 'POST', url: '/webhooks?x=1' })
  t.equal(response.statusCode, 404)
  t.same(response.json(), { error: 'No route for POST /webhooks; Stripe events are posted to /webhook', code: 'NOT_FOUND' })
  t.match(logs.find((line) => line.msg === 'No route for POST /webhooks'), { level: 40, path: '/webhooks', statusCode: 404, code: 'NOT_FOUND' })
})
