// The endpoint check against a local fake of the Stripe API: never the internet.
import { test } from 'tap'
import { runEndpointsCommand } from '../../src/cli/endpoints-command.js'
import { subscriptionsFor } from '../../src/cli/endpoint-subscriptions.js'
import { stripeEventTypes } from '../../src/routing/stripe-event-types.js'
import { FAKE_SECRET_KEY, startFakeStripeApi, type FakeStripeApi } from '../helpers/stripe-api-fake.js'
import { handlerFolder } from '../helper.js'

const seedTypes = ['balance.available', 'charge.dispute.created', 'payment_intent.succeeded', 'payment_method.attached']
const projectRoot = new URL('../../', import.meta.url).pathname

async function fakeApi (t: { teardown: (fn: () => unknown) => void }, endpoints: Parameters<typeof startFakeStripeApi>[0] = []): Promise<FakeStripeApi> {
  const api = await startFakeStripeApi(endpoints)
  t.teardown(api.close)
  return api
}

async function endpoints (api: FakeStripeApi, argv: string[], env: Record<string, string> = {}): Promise<{ code: number, output: string }> {
  const lines: string[] = []
  const code = await runEndpointsCommand(['check', '--api-host', '127.0.0.1', '--api-port', String(api.port), '--api-protocol', 'http', ...argv], {
    env: { STRIPE_SECRET_KEY: FAKE_SECRET_KEY, ...env },
    root: projectRoot,
    out: (line) => lines.push(line)
  })
  return { code, output: lines.join('\n') }
}

test('differences both ways are reported, and --fix makes the endpoint match the handlers', async (t) => {
  const api = await fakeApi(t, [{ id: 'we_1', url: 'https://shop.example/webhook', enabled_events: ['payment_intent.succeeded', 'customer.created', 'charge.dispute.created'] }])
  const checked = await endpoints(api, [])
  t.equal(checked.code, 1)
  t.match(checked.output, 'Endpoint we_1 https://shop.example/webhook (enabled)')
  t.match(checked.output, /Handled but not subscribed \(Stripe never sends them\):\n {4}balance\.available\n {4}payment_method\.attached\n/)
  t.match(checked.output, /Subscribed but not handled \(acknowledged and stored as unhandled\):\n {4}customer\.created/)
  t.same(api.endpoints.get('we_1')?.enabled_events, ['payment_intent.succeeded', 'customer.created', 'charge.dispute.created'], 'a check changes nothing')

  const fixed = await endpoints(api, ['--fix'])
  t.equal(fixed.code, 0)
  t.match(fixed.output, 'Updated we_1: enabled_events is now the 4 handled types.')
  t.same(api.endpoints.get('we_1')?.enabled_events, seedTypes)
  const again = await endpoints(api, [])
  t.equal(again.code, 0)
  t.match(again.output, 'In sync: the handlers take 4 event types and the endpoint sends them.')
})

test('prefix handlers subscribe to every type under the prefix; a catch-all to *', async (t) => {
  const api = await fakeApi(t, [{ id: 'we_1', url: 'https://shop.example/webhook', enabled_events: ['*'] }])
  const catchAll = await endpoints(api, [], { HANDLERS_DIR: handlerFolder('patterns') })
  t.equal(catchAll.code, 0, 'an endpoint sending * matches a folder with _all.ts')

  const prefixOnly = await endpoints(api, ['--fix'], { HANDLERS_DIR: handlerFolder('prefix-wrong-type') })
  t.equal(prefixOnly.code, 0)
  t.match(prefixOnly.output, 'Subscribed but not handled (acknowledged and stored as unhandled):\n    * (every event type)')
  const customerTypes = [...stripeEventTypes()].filter((type) => type.startsWith('customer.')).sort()
  t.same(api.endpoints.get('we_1')?.enabled_events, customerTypes, 'customer._all.ts subscribes to every customer.* type')
  t.same(subscriptionsFor(['v2.core.account.*', 'v1.billing.meter.no_meter_found', 'invoice.paid']), ['invoice.paid'],
    'thin-event handlers are for event destinations, not webhook endpoints')
})

test('an endpoint is chosen by --url or --id, created with --fix when the URL has none, and errors are clear', async (t) => {
  const api = await fakeApi(t, [
    { id: 'we_1', url: 'https://a.example/webhook', enabled_events: seedTypes },
    { id: 'we_2', url: 'https://b.example/webhook', enabled_events: [] }
  ])
  const ambiguous = await endpoints(api, [])
  t.equal(ambiguous.code, 2)
  t.match(ambiguous.output, /The account has 2 webhook endpoints; name one with --url or --id:\n {2}we_1 https:\/\/a\.example\/webhook\n {2}we_2/)
  t.equal((await endpoints(api, ['--url', 'https://a.example/webhook'])).code, 0)
  t.equal((await endpoints(api, ['--id', 'we_2'])).code, 1)

  const missing = await endpoints(api, ['--url', 'https://c.example/webhook'])
  t.equal(missing.code, 1)
  t.match(missing.output, 'No webhook endpoint has the URL https://c.example/webhook; create it with --fix')
  const created = await endpoints(api, ['--url', 'https://c.example/webhook', '--fix'])
  t.equal(created.code, 0)
  t.match(created.output, /Created we_fake1 https:\/\/c\.example\/webhook for 4 event types\.\nIts signing secret \(shown once; set it as STRIPE_WEBHOOK_SECRET\): whsec_fake_created_1/)
  t.same(api.endpoints.get('we_fake1')?.enabled_events, seedTypes)

  const unknownId = await endpoints(api, ['--id', 'we_nope'])
  t.equal(unknownId.code, 1)
  t.match(unknownId.output, /The Stripe API refused: No such webhook endpoint: 'we_nope'/)
  const badKey = await endpoints(api, [], { STRIPE_SECRET_KEY: 'sk_test_wrong' })
  t.equal(badKey.code, 1)
  t.match(badKey.output, /The Stripe API refused: Invalid API Key provided/)
  t.notMatch(badKey.output, /sk_test_wrong/, 'the key is never printed')
  const noKey = await endpoints(api, [], { STRIPE_SECRET_KEY: '' })
  t.equal(noKey.code, 2)
  t.match(noKey.output, /Set STRIPE_SECRET_KEY/)
  t.ok(api.requests.length > 0 && api.requests.every((request) => request.includes('/v1/webhook_endpoints')), 'only the fake was called')
})
