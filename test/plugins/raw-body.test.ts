// The raw-body plugin on a bare Fastify: the signed bytes reach the routes that ask for them,
// unchanged and unparsed; other routes are left as Fastify makes them.
import { Readable } from 'node:stream'
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import rawBody from '../../plugins/raw-body.js'
import { bareFastify } from '../helpers/bare-fastify.js'

interface SeenBody {
  rawBody: string | null
  isBuffer: boolean
  parsedBody: unknown
}

// What a route saw: the raw bytes as base64 (so any byte survives the JSON answer), and the parsed body.
function seen (request: { rawBody?: string | Buffer, body: unknown }): SeenBody {
  return {
    rawBody: request.rawBody === undefined ? null : Buffer.from(request.rawBody).toString('base64'),
    isBuffer: Buffer.isBuffer(request.rawBody),
    parsedBody: request.body ?? null
  }
}

// As the webhook route does: the plugin in the route's own scope, and a route outside that scope.
// A route inside the scope that does not ask gets neither the bytes nor a parsed body, but an answer.
async function bareApp (t: Parameters<typeof bareFastify>[0]): Promise<FastifyInstance> {
  const { fastify } = bareFastify(t)
  await fastify.register(async (scope) => {
    await scope.register(rawBody)
    scope.post('/signed', { config: { rawBody: true }, bodyLimit: 64 }, async (request) => seen(request))
    scope.post('/unasked', async (request) => seen(request))
  })
  fastify.post('/elsewhere', async (request) => seen(request))
  await fastify.ready()
  return fastify
}

test('a route that asks gets the exact bytes, as a Buffer, and no parsed body', async (t) => {
  const fastify = await bareApp(t)
  // Spacing, key order, escapes and multi-byte characters: anything a re-serialisation would change.
  const payload = '{"id":  "evt_1",\n  "note": "Gr\\u00f6\\u00dfe ☕", "a": 1.10 }\n'
  const response = await fastify.inject({ method: 'POST', url: '/signed', headers: { 'content-type': 'application/json' }, payload })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { rawBody: Buffer.from(payload).toString('base64'), isBuffer: true, parsedBody: null })
})

test('a route in the plugin\'s scope that does not ask is answered, with no raw and no parsed body', async (t) => {
  const fastify = await bareApp(t)
  for (const payload of ['{"id":"evt_1"}', 'x'.repeat(200_000)]) {
    const response = await fastify.inject({ method: 'POST', url: '/unasked', headers: { 'content-type': 'application/json' }, payload })
    t.equal(response.statusCode, 200)
    t.same(response.json(), { rawBody: null, isBuffer: false, parsedBody: null })
  }
})

test('a route outside the plugin\'s scope keeps Fastify\'s JSON parsing and gets no raw body', async (t) => {
  const fastify = await bareApp(t)
  const response = await fastify.inject({ method: 'POST', url: '/elsewhere', payload: { id: 'evt_1' } })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { rawBody: null, isBuffer: false, parsedBody: { id: 'evt_1' } })
})

test('a compressed body is refused before the route, as UNSUPPORTED_CONTENT_ENCODING', async (t) => {
  const fastify = await bareApp(t)
  const response = await fastify.inject({
    method: 'POST',
    url: '/signed',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    payload: '{"id":"evt_1"}'
  })
  t.equal(response.statusCode, 415)
  t.equal(response.json().code, 'UNSUPPORTED_CONTENT_ENCODING')
})

test('a body over the route\'s limit is refused as BODY_TOO_LARGE, with or without a Content-Length', async (t) => {
  const fastify = await bareApp(t)
  const payload = JSON.stringify({ id: 'evt_1', padding: 'x'.repeat(100) })
  const sized = await fastify.inject({ method: 'POST', url: '/signed', headers: { 'content-type': 'application/json' }, payload })
  t.equal(sized.statusCode, 413)
  t.equal(sized.json().code, 'BODY_TOO_LARGE')
  const chunked = await fastify.inject({
    method: 'POST',
    url: '/signed',
    headers: { 'content-type': 'application/json' },
    payload: Readable.from([Buffer.from(payload.slice(0, 50)), Buffer.from(payload.slice(50))])
  })
  t.equal(chunked.statusCode, 413)
  t.equal(chunked.json().code, 'BODY_TOO_LARGE')
})

test('text/plain, which Fastify parses by default, is refused where the plugin is registered', async (t) => {
  const fastify = await bareApp(t)
  const response = await fastify.inject({ method: 'POST', url: '/signed', headers: { 'content-type': 'text/plain' }, payload: '{"id":"evt_1"}' })
  t.equal(response.statusCode, 415)
})
