// Properties over generated input (fast-check): whatever arrives, the answer is never a 5xx and
// nothing is left unhandled; whatever bytes are signed correctly, the signature verifies.
import fc from 'fast-check'
import { test } from 'tap'
import { buildApp, deliver, handlerFolder, signPayload } from '../helper.js'

const nowSeconds = (): number => Math.floor(Date.now() / 1000)

// Headers built from the pieces a Stripe-Signature is made of, and from noise.
const headerPiece = fc.oneof(
  fc.constantFrom('t', 'v1', 'v0', 'T', ' t', 'v1 '),
  fc.string({ maxLength: 8 })
).chain((key) => fc.oneof(
  fc.constant(`${key}=${nowSeconds()}`),
  fc.stringMatching(/^[0-9a-f]{0,70}$/).map((value) => `${key}=${value}`),
  fc.string({ maxLength: 30 }).map((value) => `${key}=${value}`),
  fc.string({ maxLength: 30 })
))
const signatureHeader = fc.array(headerPiece, { maxLength: 8 }).map((pieces) => pieces.join(','))
const anyBody = fc.oneof(
  fc.json(),
  fc.string({ maxLength: 400 }),
  fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.jsonValue().map((value) => JSON.stringify({ id: 'evt_prop', type: 'customer.created', data: { object: value } })),
  // Thin notifications, well formed or not, for either route.
  fc.record({ type: fc.string({ maxLength: 30 }), created: fc.oneof(fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), fc.jsonValue()) })
    .map(({ type, created }) => JSON.stringify({ id: 'evt_thin_prop', object: 'v2.core.event', type, created, livemode: false }))
)
const anyRoute = fc.constantFrom('/webhook', '/webhook/thin')

test('random headers and bodies, on either route, never yield a 5xx or an unhandled rejection', async (t) => {
  const { app } = await buildApp(t)
  const rejections: unknown[] = []
  const onRejection = (reason: unknown): void => { rejections.push(reason) }
  process.on('unhandledRejection', onRejection)
  t.teardown(() => { process.off('unhandledRejection', onRejection) })

  await fc.assert(fc.asyncProperty(signatureHeader, anyBody, fc.boolean(), anyRoute, async (header, body, signIt, path) => {
    const response = await deliver(app, body, { signature: signIt ? signPayload(body) : header, path })
    const code = response.statusCode
    if (code >= 500) throw new Error(`${code} ${response.body} for header ${JSON.stringify(header)}`)
    const reply = response.json() as Record<string, unknown>
    if (code >= 400 && (typeof reply.error !== 'string' || typeof reply.code !== 'string')) {
      throw new Error(`a ${code} without { error, code }: ${response.body}`)
    }
  }), { numRuns: 400 })

  t.same(rejections, [], 'no unhandled rejection')
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'the service is still up')
})

test('a valid signature over any byte-exact event body always verifies', async (t) => {
  // No handlers: this is about verification, and a seed handler would rightly fail on a random object.
  const { app } = await buildApp(t, { env: { EVENT_STORE: 'none' }, handlersDir: handlerFolder('does-not-exist') })
  let verified = 0
  // Any event the router would take: any id, any known or unknown type, any object, any layout.
  const eventBody = fc.record({
    id: fc.string({ minLength: 1, maxLength: 40 }),
    type: fc.oneof(fc.constantFrom('customer.created', 'invoice.paid', 'balance.available'), fc.string({ minLength: 1, maxLength: 40 })),
    object: fc.dictionary(fc.string({ maxLength: 10 }).filter((key) => key !== '__proto__' && key !== 'constructor'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
    indent: fc.constantFrom(0, 2, '\t')
  }).map(({ id, type, object, indent }) => JSON.stringify({ id, object: 'event', type, data: { object } }, null, indent))
    // Prototype keys anywhere are refused on purpose (INVALID_JSON): they are not what this property is about.
    .filter((body) => !body.includes('"__proto__"') && !body.includes('"constructor"'))

  await fc.assert(fc.asyncProperty(eventBody, async (body) => {
    const response = await deliver(app, body)
    if (response.statusCode !== 200) throw new Error(`${response.statusCode} ${response.body} for ${body}`)
    verified++
  }), { numRuns: 300 })
  t.equal(verified, 300, 'every generated event verified and was acknowledged')
})

test('a valid signature over any well-formed thin notification always verifies on the thin route', async (t) => {
  const { app } = await buildApp(t, { env: { EVENT_STORE: 'none' }, handlersDir: handlerFolder('does-not-exist') })
  const thinBody = fc.record({
    id: fc.string({ minLength: 1, maxLength: 40 }),
    type: fc.string({ minLength: 1, maxLength: 60 }),
    created: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
    context: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    indent: fc.constantFrom(0, 2)
  }).map(({ indent, ...fields }) => JSON.stringify({ object: 'v2.core.event', livemode: false, ...fields }, null, indent))
  let verified = 0
  await fc.assert(fc.asyncProperty(thinBody, async (body) => {
    const response = await deliver(app, body, { path: app.config.THIN_WEBHOOK_PATH })
    if (response.statusCode !== 200) throw new Error(`${response.statusCode} ${response.body} for ${body}`)
    verified++
  }), { numRuns: 200 })
  t.equal(verified, 200, 'every generated notification verified and was acknowledged')
})
