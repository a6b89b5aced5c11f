// The service's own reconciliation sweep (RECONCILE_INTERVAL): against the fake Stripe API, on both
// backends, with replicas sharing one store, counted by the handlers' side effects and the metrics.
import type { FastifyInstance } from 'fastify'
import { test } from 'tap'
import { FAKE_SECRET_KEY } from '../helpers/stripe-api-fake.js'
import { buildApp, deliver, handlerFolder, messages, settle, type LogLine } from '../helper.js'
import { backendEnv, backends } from '../helpers/postgres.js'
import { sideEffectCounts } from '../helpers/side-effects.js'
import { fakeApiEnv, listedPaymentIntent, reconcileKit } from '../helpers/reconcile-kit.js'

async function metric (app: FastifyInstance, name: string): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `))
  return line === undefined ? Number.NaN : Number(line.split(' ')[1])
}

async function until (what: string, done: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const sweepLines = (logs: LogLine[]): string[] => messages(logs).filter((message) => message.startsWith('Reconciliation'))

for (const backend of backends) {
  test(`${backend}: two services sweeping the same Stripe account together store each undelivered event once, over pages and a 429`, async (t) => {
    const storeEnv = await backendEnv(t, backend)
    if (storeEnv === null) return
    const { fake, effects, env: kitEnv } = await reconcileKit(t, storeEnv)
    const lost = Array.from({ length: 150 }, (_, index) => listedPaymentIntent(`evt_sweep_lost_${index}`, effects, false, 60 + index))
    fake.events = [...lost, listedPaymentIntent('evt_sweep_delivered_elsewhere', effects, true)]
    // The first List Events request is refused as Stripe's rate limiter would; the sweep backs off.
    fake.rateLimitNext = 1
    const env = { ...kitEnv, RECONCILE_INTERVAL: '1h', ...fakeApiEnv(fake.port, FAKE_SECRET_KEY) }
    // Migrated first: replicas racing to create a fresh schema is another matter (the store's own tests).
    const migrator = await buildApp(t, { env: kitEnv })
    await migrator.app.close()
    const startedAt = Date.now()
    const [one, two] = await Promise.all([
      buildApp(t, { env, handlersDir: handlerFolder('side-effects') }),
      buildApp(t, { env, handlersDir: handlerFolder('side-effects') })
    ])
    await until('a sweep to finish', () => [one, two].some(({ logs }) => sweepLines(logs).length > 0))
    await settle(one.app)
    await settle(two.app)

    const stored = await one.app.eventInbox.store!.list({ limit: 1000 })
    t.equal(stored.length, 150, 'every undelivered event is stored, and only those (delivery_success=false)')
    t.ok(stored.every((event) => event.source === 'reconcile' && event.status === 'handled'))
    const counts = sideEffectCounts(effects)
    t.equal(counts.size, 150)
    t.same([...counts.values()].filter((count) => count !== 1), [], 'each handler ran once')

    const recovered = [await metric(one.app, 'stripe_reconcile_events_stored_total'), await metric(two.app, 'stripe_reconcile_events_stored_total')]
    t.same(recovered.sort((a, b) => a - b), [0, 150], 'one service swept, and its metric counts what it stored')
    t.equal(await metric(one.app, 'stripe_reconcile_sweep_failures_total') + await metric(two.app, 'stripe_reconcile_sweep_failures_total'), 0)
    t.equal(fake.requests.filter((request) => request === 'GET /v1/events').length, 3, 'two pages, the first asked twice (429, then after Retry-After)')
    t.same(fake.eventListQueries.map((query) => query.get('starting_after')), [null, 'evt_sweep_lost_99'], 'the second page starts after the first')
    const first = fake.eventListQueries[0]!
    t.equal(first.get('delivery_success'), 'false')
    const gte = Number(first.get('created[gte]')) * 1000
    t.ok(gte >= startedAt - 72 * 3_600_000 - 1000 && gte <= Date.now() - 72 * 3_600_000 + 1000, 'the first sweep reaches back 72 hours')
    const logs = [...one.logs, ...two.logs]
    t.ok(messages(logs).some((message) => message.includes('answered 429')), 'the back-off is logged')
    t.match(logs.find((line) => line.msg.startsWith('Reconciliation stored 150 events')), { level: 40, listed: 150, storedNow: 150, eventIds: { length: 50 } },
      'the sweep says what it recovered, naming the first 50')
    t.notOk(JSON.stringify(logs).includes(FAKE_SECRET_KEY), 'the key is in no log line')
  })
}

test('the next sweep lists from shortly before the last complete one began', async (t) => {
  const { fake, effects, env } = await reconcileKit(t)
  fake.events = [listedPaymentIntent('evt_sweep_early', effects)]
  const { app, logs } = await buildApp(t, { env: { ...env, RECONCILE_INTERVAL: '2s', ...fakeApiEnv(fake.port, FAKE_SECRET_KEY) }, handlersDir: handlerFolder('side-effects') })
  await until('a first sweep', () => sweepLines(logs).length >= 1)
  const firstSweepStart = Date.now()
  fake.events.push(listedPaymentIntent('evt_sweep_later', effects, false, 0))
  await until('a second sweep', () => sweepLines(logs).length >= 2, 10_000)
  await settle(app)
  const [first, second] = fake.eventListQueries.map((query) => Number(query.get('created[gte]')) * 1000)
  t.ok(second! > first! + 71 * 3_600_000, 'the second sweep does not list the 72 hours again')
  t.ok(second! <= firstSweepStart - 2000 && second! >= firstSweepStart - 5000, 'it lists from one interval before the first sweep began')
  t.same(Object.fromEntries(sideEffectCounts(effects)), { evt_sweep_early: 1, evt_sweep_later: 1 })
  t.equal(await metric(app, 'stripe_reconcile_events_stored_total'), 2)
})

test('a failing sweep is logged without the key, counted, tried again, and the service keeps working', async (t) => {
  const { fake, effects, env } = await reconcileKit(t)
  const wrongKey = 'sk_test_wrong0000000000000000000000'
  const { app, logs } = await buildApp(t, { env: { ...env, RECONCILE_INTERVAL: '1s', ...fakeApiEnv(fake.port, wrongKey) }, handlersDir: handlerFolder('side-effects') })
  await until('two failed sweeps', async () => await metric(app, 'stripe_reconcile_sweep_failures_total') >= 2, 10_000)
  const failure = logs.find((line) => line.msg.startsWith('The reconciliation sweep failed'))
  t.match(failure, { level: 50, reason: /Invalid API Key provided/, statusCode: 401, retryInMs: 1000 })
  t.notOk(JSON.stringify(logs).includes(wrongKey), 'the key is in no log line')
  const delivered = await deliver(app, listedPaymentIntent('evt_sweep_still_delivered', effects, true).event)
  t.equal(delivered.statusCode, 200, 'deliveries are still taken')
})

test('without a key, RECONCILE_INTERVAL starts no sweep and says why', async (t) => {
  const { logs } = await buildApp(t, { env: { RECONCILE_INTERVAL: '15m' } })
  t.ok(messages(logs).includes('RECONCILE_INTERVAL is set but STRIPE_SECRET_KEY is not: no reconciliation sweep'))
})
