// Every way a delivery can be wrong gets a 4xx with a JSON `{ error, code }`, never a 5xx, never a
// crash, and the next valid delivery still succeeds. Cases the HTTP parser sees (repeated, oversized
// and chunked headers, bad framing) go over a real socket; the rest through app.inject.
import { gzipSync } from 'node:zlib'
import { test } from 'tap'
import { buildThinEvent } from '../../src/samples/build-thin-event.js'
import { buildApp, deliver, loadFixture, signPayload } from '../helper.js'
import { sendRaw } from '../helpers/raw-http.js'

// Both routes share the signature checks and the parser's refusals; each gets the whole matrix.
const routes = [
  { name: 'snapshot route', path: '/webhook', event: loadFixture('payment_intent.succeeded') as unknown as Record<string, unknown> & { id: string } },
  { name: 'thin route', path: '/webhook/thin', event: { ...buildThinEvent('v2.core.account.created'), id: 'evt_thin_bad_input' } }
]
const event = routes[0]?.event as Record<string, unknown> & { id: string }
const payload = JSON.stringify(event)
const nowSeconds = (): number => Math.floor(Date.now() / 1000)

function httpRequest (headers: string[], body: string | Buffer): Buffer {
  const head = ['POST /webhook HTTP/1.1', 'Host: 127.0.0.1', 'Connection: close', ...headers].join('\r\n')
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), Buffer.isBuffer(body) ? body : Buffer.from(body)])
}

for (const route of routes) {
  test(`${route.name}, headers: missing, oversized values, non-ASCII, wrong scheme, many values, huge timestamps`, async (t) => {
    const { app } = await buildApp(t)
    const event = route.event
    // Each case builds its header from the exact body it is sent with.
    const v1Of = (body: string, timestamp = nowSeconds()): string => signPayload(body, { timestamp }).split('v1=')[1] as string
    const cases: Array<[string, (body: string) => string | null, number, string]> = [
      ['no signature', () => null, 400, 'MISSING_SIGNATURE'],
      ['only whitespace', () => '   ', 400, 'MALFORMED_SIGNATURE_HEADER'],
      ['wrong scheme only', (body) => `t=${nowSeconds()},v0=${v1Of(body)}`, 400, 'MALFORMED_SIGNATURE_HEADER'],
      ['scheme in capitals', (body) => `t=${nowSeconds()},V1=${v1Of(body)}`, 400, 'MALFORMED_SIGNATURE_HEADER'],
      ['non-ASCII in the signature', (body) => `t=${nowSeconds()},v1=é${v1Of(body).slice(1)}`, 400, 'MALFORMED_SIGNATURE_HEADER'],
      ['non-ASCII beside a valid signature', (body) => `t=${nowSeconds()},v1=é${v1Of(body).slice(1)},v1=${v1Of(body)}`, 200, ''],
      ['a signature too short', (body) => `t=${nowSeconds()},v1=${v1Of(body).slice(2)}`, 400, 'MALFORMED_SIGNATURE_HEADER'],
      ['1,000 v1 values, none right', () => `t=${nowSeconds()},${Array.from({ length: 1000 }, (_, i) => `v1=${String(i).padStart(64, '0')}`).join(',')}`, 400, 'INVALID_SIGNATURE'],
      ['1,000 v1 values, the last right', (body) => `t=${nowSeconds()},${'v1=00,'.repeat(999)}v1=${v1Of(body)}`, 200, ''],
      ['a huge timestamp', (body) => `t=99999999999999999999999,v1=${v1Of(body)}`, 400, 'MALFORMED_SIGNATURE_HEADER'],
      ['a negative timestamp', (body) => `t=-1,v1=${v1Of(body)}`, 400, 'MALFORMED_SIGNATURE_HEADER'],
      ['a far-future timestamp, signed', (body) => signPayload(body, { timestamp: 4102444800 }), 200, ''],
      ['a timestamp of one, signed', (body) => signPayload(body, { timestamp: 1 }), 400, 'TIMESTAMP_OUTSIDE_TOLERANCE'],
      ['empty items around a valid signature', (body) => `,,${signPayload(body)},,`, 200, '']
    ]
    for (const [index, [name, header, status, code]] of cases.entries()) {
      const body = JSON.stringify({ ...event, id: `evt_header_case_${index}` })
      const response = await deliver(app, body, { signature: header(body), path: route.path })
      t.equal(response.statusCode, status, name)
      if (code !== '') t.equal(response.json().code, code, name)
    }
    t.equal((await deliver(app, JSON.stringify(event), { path: route.path })).statusCode, 200, 'the next valid delivery succeeds')
  })

  test(`${route.name}, bodies: empty, truncated, deeply nested, __proto__, invalid UTF-8, wrong type, gzip`, async (t) => {
    const { app } = await buildApp(t)
    const event = route.event
    const payload = JSON.stringify(event)
    const signedCases: Array<[string, string | Buffer, Record<string, string>, number, string]> = [
      ['empty', '', {}, 400, 'EMPTY_BODY'],
      ['truncated', payload.slice(0, payload.length / 2), {}, 400, 'INVALID_JSON'],
      ['deeply nested', `${'['.repeat(200_000)}${']'.repeat(200_000)}`, {}, 400, 'NOT_A_STRIPE_EVENT'],
      ['deeply nested and unclosed', '{"a":'.repeat(100_000), {}, 400, 'INVALID_JSON'],
      ['__proto__ key', payload.replace('{', '{"__proto__":{"admin":true},'), {}, 400, 'INVALID_JSON'],
      ['constructor.prototype', payload.replace('{', '{"constructor":{"prototype":{"admin":true}},'), {}, 400, 'INVALID_JSON'],
      ['invalid UTF-8', Buffer.concat([Buffer.from(payload.slice(0, 20)), Buffer.from([0xff, 0xfe]), Buffer.from(payload.slice(20))]), {}, 400, 'INVALID_JSON'],
      ['text/plain', payload, { 'content-type': 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['no content type', payload, { 'content-type': '' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['gzip-encoded', gzipSync(payload), { 'content-encoding': 'gzip' }, 415, 'UNSUPPORTED_CONTENT_ENCODING'],
      ['a number', '42', {}, 400, 'NOT_A_STRIPE_EVENT'],
      ['a byte-order mark, signed over exactly', `\ufeff${payload.replace(event.id, 'evt_bom')}`, {}, 200, '']
    ]
    for (const [name, body, headers, status, code] of signedCases) {
      const signature = signPayload(Buffer.isBuffer(body) ? body.toString('latin1') : body)
      const response = await app.inject({
        method: 'POST',
        url: route.path,
        headers: { 'content-type': 'application/json', 'stripe-signature': signature, ...headers },
        payload: body
      })
      t.equal(response.statusCode, status, name)
      if (status === 200) continue
      t.equal(response.json().code, code, name)
      t.type(response.json().error, 'string', name)
    }
    t.equal(({} as Record<string, unknown>).admin, undefined, 'no prototype was polluted')
    t.equal((await deliver(app, payload, { path: route.path })).statusCode, 200, 'the next valid delivery succeeds')
  })
}

test('over a real socket: repeated and oversized headers, chunked bodies, bad framing', async (t) => {
  const { app } = await buildApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const port = address.port
  const signature = signPayload(payload)

  const repeated = await sendRaw(port, httpRequest(['Content-Type: application/json', `Stripe-Signature: ${signature}`,
    `Stripe-Signature: t=${nowSeconds()},v1=${'0'.repeat(64)}`, `Content-Length: ${Buffer.byteLength(payload)}`], payload))
  t.equal(repeated.status, 200, 'a repeated header still verifies by its valid signature')

  const repeatedWrong = await sendRaw(port, httpRequest(['Content-Type: application/json', `Stripe-Signature: t=${nowSeconds()},v1=${'a'.repeat(64)}`,
    `Stripe-Signature: t=${nowSeconds()},v1=${'b'.repeat(64)}`, `Content-Length: ${Buffer.byteLength(payload)}`], payload))
  t.equal(repeatedWrong.status, 400)
  t.equal(JSON.parse(repeatedWrong.body).code, 'INVALID_SIGNATURE')

  const oversized = await sendRaw(port, httpRequest(['Content-Type: application/json', `Stripe-Signature: t=1,v1=${'a'.repeat(20_000)}`,
    `Content-Length: ${Buffer.byteLength(payload)}`], payload))
  t.equal(oversized.status, 431)
  t.same(JSON.parse(oversized.body), { error: 'The request headers are larger than the server accepts', code: 'HEADERS_TOO_LARGE' })

  const chunkedPayload = JSON.stringify({ ...event, id: 'evt_chunked' })
  const inChunks = (text: string): string =>
    [text.slice(0, 100), text.slice(100)].map((part) => `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`).join('') + '0\r\n\r\n'
  const chunked = await sendRaw(port, httpRequest(['Content-Type: application/json', `Stripe-Signature: ${signPayload(chunkedPayload)}`,
    'Transfer-Encoding: chunked'], inChunks(chunkedPayload)))
  t.equal(chunked.status, 200, 'a chunked body verifies over its reassembled bytes')

  const hugeChunked = await sendRaw(port, httpRequest(['Content-Type: application/json', `Stripe-Signature: ${signature}`,
    'Transfer-Encoding: chunked'], `${'100000\r\n' + 'x'.repeat(0x100000) + '\r\n'}${'100\r\n' + 'x'.repeat(0x100) + '\r\n'}0\r\n\r\n`))
  t.equal(hugeChunked.status, 413, 'a chunked body over the limit, with no Content-Length to check first, is a 413')
  t.equal(JSON.parse(hugeChunked.body).code, 'BODY_TOO_LARGE')

  const declaredTooLarge = await sendRaw(port, httpRequest(['Content-Type: application/json', `Stripe-Signature: ${signature}`,
    `Content-Length: ${2 * 0x100000}`], payload))
  t.equal(declaredTooLarge.status, 413, 'a Content-Length over the limit is a 413 from the header alone, before the body is in')
  t.equal(JSON.parse(declaredTooLarge.body).code, 'BODY_TOO_LARGE')

  const lyingLength = await sendRaw(port, httpRequest(['Content-Type: application/json', `Stripe-Signature: ${signature}`,
    `Content-Length: ${Buffer.byteLength(payload) + 50}`], payload))
  t.ok(lyingLength.status >= 400 && lyingLength.status < 500, `a Content-Length longer than the body is a 4xx (${lyingLength.status})`)

  const garbage = await sendRaw(port, 'NOT HTTP AT ALL\r\n\r\n')
  t.equal(garbage.status, 400)
  t.equal(JSON.parse(garbage.body).code, 'MALFORMED_HTTP_REQUEST')

  const bothFramings = await sendRaw(port, httpRequest(['Content-Type: application/json', `Stripe-Signature: ${signature}`,
    'Transfer-Encoding: chunked', `Content-Length: ${Buffer.byteLength(payload)}`], inChunks(payload)))
  t.equal(bothFramings.status, 400, 'Content-Length with Transfer-Encoding is refused (request smuggling)')

  const after = await sendRaw(port, httpRequest(['Content-Type: application/json', `Stripe-Signature: ${signPayload(JSON.stringify({ ...event, id: 'evt_after' }))}`,
    `Content-Length: ${Buffer.byteLength(JSON.stringify({ ...event, id: 'evt_after' }))}`], JSON.stringify({ ...event, id: 'evt_after' })))
  t.equal(after.status, 200, 'the next valid delivery succeeds')
})
