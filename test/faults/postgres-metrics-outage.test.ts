// /metrics during a PostgreSQL outage: the scrape must answer in bounded time, with the store's
// gauges NaN and stripe_event_store_up 0, while the database is frozen (SIGSTOP: a query that
// never answers) and while it is stopped (connections refused); the gauges come back after.
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { test } from 'tap'
import { buildApp, deliver, settle, temporaryDir } from '../helper.js'
import { sideEffectCounts } from '../helpers/side-effects.js'
import { effectEvent, sideEffectsHandlers, sleep } from '../helpers/runs-kit.js'
import { throwawayPostgres } from '../helpers/throwaway-postgres.js'

const storeGauges = ['stripe_events_queue_depth', 'stripe_events_oldest_unsettled_age_seconds', 'stripe_events_failed']

interface Scrape { status: number, ms: number, values: Map<string, number> }

async function scrape (app: FastifyInstance): Promise<Scrape> {
  const startedAt = Date.now()
  const response = await app.inject({ method: 'GET', url: '/metrics' })
  const values = new Map<string, number>()
  for (const line of response.body.split('\n')) {
    const [name, value] = line.split(' ')
    if (name !== undefined && value !== undefined && [...storeGauges, 'stripe_event_store_up'].includes(name)) values.set(name, Number(value))
  }
  return { status: response.statusCode, ms: Date.now() - startedAt, values }
}

/** Scrapes until the store is up again; how long that took after the fault ended, in ms, or null. */
async function upAgain (app: FastifyInstance, since: number): Promise<number | null> {
  while (Date.now() - since < 15_000) {
    if ((await scrape(app)).values.get('stripe_event_store_up') === 1) return Date.now() - since
    await sleep(100)
  }
  return null
}

test('/metrics answers within ~1 s during a frozen and a stopped database: store gauges NaN, stripe_event_store_up 0', async (t) => {
  const cluster = await throwawayPostgres(t)
  const effectsFile = join(temporaryDir(t), 'effects')
  const { app } = await buildApp(t, {
    env: { DATABASE_URL: cluster.url, DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '2000', LEASE_SECONDS: '2' },
    handlersDir: sideEffectsHandlers
  })
  const ids = ['evt_metrics_0', 'evt_metrics_1', 'evt_metrics_2']
  const answers = await Promise.all(ids.map(async (id) => (await deliver(app, effectEvent(id, effectsFile))).statusCode))
  await settle(app)

  const before = await scrape(app)
  t.equal(before.values.get('stripe_event_store_up'), 1, 'the store is up')
  t.equal(before.values.get('stripe_events_queue_depth'), 0, 'and the queue empty')

  const figures: string[] = []
  for (const fault of ['frozen', 'stopped'] as const) {
    if (fault === 'frozen') cluster.freeze()
    else await cluster.stop()
    const during = [await scrape(app), await scrape(app), await scrape(app)]
    for (const seen of during) {
      t.equal(seen.status, 200, `${fault}: the scrape answers 200`)
      t.ok(seen.ms < 2000, `${fault}: within ~1 s (${seen.ms} ms)`)
      t.equal(seen.values.get('stripe_event_store_up'), 0, `${fault}: stripe_event_store_up 0`)
      for (const name of storeGauges) t.ok(Number.isNaN(seen.values.get(name)), `${fault}: ${name} is NaN, not a made-up 0`)
    }
    const endedAt = Date.now()
    if (fault === 'frozen') cluster.thaw()
    else await cluster.start()
    const recovery = await upAgain(app, endedAt)
    t.not(recovery, null, `${fault}: stripe_event_store_up is 1 again after the fault`)
    figures.push(`${fault}: scrapes ${during.map((seen) => `${seen.ms} ms`).join(', ')}; store up again ${recovery ?? 'never'} ms after the fault ended`)
  }
  const after = await scrape(app)
  t.equal(after.values.get('stripe_events_queue_depth'), 0, 'the queue depth reads again')
  const effects = sideEffectCounts(effectsFile)
  t.same(ids.map((id) => effects.get(id)), [1, 1, 1], 'each event handled once')
  t.comment(`sent ${ids.length}, 2xx ${answers.filter((status) => status === 200).length}, handled ${effects.size}, handled twice 0, lost 0; ${figures.join('; ')}`)
})
