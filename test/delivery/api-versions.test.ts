// API versions are compared by release (`2025-03-31.basil`: the release is `basil`), the way Stripe's
// SDKs do: the function's cases, then one delivery each way through the webhook route.
import { test } from 'tap'
import Fastify from 'fastify'
import Stripe from 'stripe'
import config from '../../plugins/config.js'
import { apiVersionParts, isCompatibleApiVersion } from '../../src/delivery/api-versions.js'
import { buildApp, deliver, loadFixture, settle, TEST_WEBHOOK_SECRET, type LogLine } from '../helper.js'

test('a version splits into its date and release, without the betas of a preview endpoint', async (t) => {
  t.same(apiVersionParts('2025-03-31.basil'), { date: '2025-03-31', release: 'basil' })
  t.same(apiVersionParts('2025-04-30.preview; some_beta=v1'), { date: '2025-04-30', release: 'preview' })
  t.same(apiVersionParts('2025-04-30.preview;one_beta=v1; other_beta=v2'), { date: '2025-04-30', release: 'preview' })
  t.same(apiVersionParts('2024-06-20'), { date: '2024-06-20', release: null })
})

test('versions of one release are compatible; another release or a date-only version is a mismatch', async (t) => {
  const cases: Array<[string, string, boolean]> = [
    ['2025-03-31.basil', '2025-03-31.basil', true],
    ['2025-05-28.basil', '2025-03-31.basil', true],
    ['2025-03-31.basil', '2025-05-28.basil', true],
    ['2025-04-30.preview; some_beta=v1', '2025-04-30.preview', true],
    ['2025-04-30.preview', '2025-04-30.preview; some_beta=v1', true],
    ['2025-03-31.basil; some_beta=v1', '2025-08-27.basil', true],
    ['2024-06-20', '2024-06-20', true],
    ['2025-09-30.clover', '2025-03-31.basil', false],
    ['2024-06-20', '2025-03-31.basil', false],
    ['2025-03-31.basil', '2024-06-20', false],
    ['2024-04-10', '2024-06-20', false],
    ['2025-04-30.preview', '2025-03-31.basil', false]
  ]
  for (const [event, expected, compatible] of cases) {
    t.equal(isCompatibleApiVersion(event, expected), compatible, `${event} against ${expected}: ${compatible ? 'compatible' : 'a mismatch'}`)
  }
})

const mismatchLines = (logs: LogLine[]): LogLine[] => logs.filter((line) => line.level === 40 && typeof line.apiVersion === 'string')

async function mismatchCount (app: Awaited<ReturnType<typeof buildApp>>['app']): Promise<string[]> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  return text.split('\n').filter((line) => line.startsWith('stripe_event_api_version_mismatches_total{'))
}

test('an event of another monthly version of the installed release is handled without a warning or a count', async (t) => {
  const { app, logs } = await buildApp(t)
  const [date, release] = Stripe.API_VERSION.split('.')
  t.ok(release !== undefined && date !== '2020-01-01', `the installed stripe pins a release (${Stripe.API_VERSION})`)
  const event = { ...loadFixture('payment_intent.succeeded'), api_version: `2020-01-01.${release as string}` }
  t.equal((await deliver(app, event)).statusCode, 200)
  await settle(app)
  t.ok(logs.some((line) => line.msg === 'PaymentIntent was successful!'), 'handled')
  t.same(mismatchLines(logs), [], 'no mismatch warning')
  t.same(await mismatchCount(app), [], 'no mismatch counted')
})

test('a preview STRIPE_API_VERSION takes preview events and warns, counted, of a release event', async (t) => {
  const { app, logs } = await buildApp(t, { env: { STRIPE_API_VERSION: '2025-04-30.preview; some_beta=v1' } })
  const fixture = loadFixture('payment_intent.succeeded')
  t.equal((await deliver(app, { ...fixture, id: 'evt_preview_1', api_version: '2025-05-28.preview; some_beta=v1; other_beta=v2' })).statusCode, 200)
  await settle(app)
  t.same(mismatchLines(logs), [], 'a preview event of another date and betas is no mismatch')
  t.equal((await deliver(app, { ...fixture, id: 'evt_release_1', api_version: '2025-03-31.basil' })).statusCode, 200)
  await settle(app)
  t.match(mismatchLines(logs), [{ eventId: 'evt_release_1', apiVersion: '2025-03-31.basil', expectedApiVersion: '2025-04-30.preview; some_beta=v1' }])
  t.same(await mismatchCount(app), ['stripe_event_api_version_mismatches_total{api_version="2025-03-31.basil"} 1'])
  t.equal(logs.filter((line) => line.msg === 'PaymentIntent was successful!').length, 2, 'both handled')
})

test('STRIPE_API_VERSION takes a release or preview version, betas included, and refuses other text', async (t) => {
  async function apiVersionSetting (value: string): Promise<string | undefined> {
    const fastify = Fastify({ logger: false })
    t.teardown(() => fastify.close())
    await fastify.register(config, { env: { STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, STRIPE_API_VERSION: value } })
    await fastify.ready()
    return fastify.config.STRIPE_API_VERSION
  }
  for (const good of ['2025-03-31.basil', '2024-06-20', '2025-04-30.preview; some_beta=v1', '2025-04-30.preview;one_beta=v1; other_beta=v2']) {
    t.equal(await apiVersionSetting(good), good)
  }
  for (const bad of ['basil', '2025-03-31.basil; ', '2025-03-31.Basil', 'latest']) {
    await t.rejects(apiVersionSetting(bad), { code: 'INVALID_SETTING', message: /STRIPE_API_VERSION/ }, bad)
  }
})
