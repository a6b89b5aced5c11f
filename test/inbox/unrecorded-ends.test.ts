// A store that takes deliveries but refuses the records of handlers' ends (here a trigger on the
// attempt history of a PostgreSQL schema of the test's own): a slot frees when its handler ends, so
// runs go on, but only up to 4 × WORKER_CONCURRENCY ends waiting for the store. Past that, nothing
// more runs, and once the ends have waited at that limit for a second, deliveries are stored pending
// (not claimed by this instance to wait in memory); /readyz says why. Once the store takes the ends again,
// every event ends handled, each once by its handler's own side effect.
import pg from 'pg'
import { test } from 'tap'
import { deliver } from '../helper.js'
import { firstUnreadyBody, oneSlotPostgresApp } from '../helpers/one-slot-postgres.js'
import { handledTwice, sideEffectCounts } from '../helpers/side-effects.js'
import { allSettled, countAnswer, effectEvent, reportFigures, sleep, waitFor } from '../helpers/runs-kit.js'

// WORKER_CONCURRENCY 1: four ends may wait.
const endLimit = 4

test('ends refused by the store: runs stop at the limit of unrecorded ends, and every event is handled once when they are taken again', async (t) => {
  const setUp = await oneSlotPostgresApp(t)
  if (setUp === null) return
  const { url, app, effectsFile } = setUp
  const store = app.eventInbox.store
  if (store === null) throw new Error('no store')
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  t.teardown(async () => { await admin.end() })
  await admin.query(`CREATE FUNCTION refuse_attempts () RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the attempt history refuses writes (test fault)'; END $$`)
  await admin.query('CREATE TRIGGER refuse_attempts BEFORE INSERT ON stripe_event_attempts FOR EACH STATEMENT EXECUTE FUNCTION refuse_attempts()')

  const ids = Array.from({ length: endLimit + 4 }, (_, index) => `evt_unrecorded_end_${index}`)
  const answers: Record<string, number> = {}
  for (const [index, id] of ids.entries()) {
    // As Stripe would: a 5xx (a delivery's insert that shared a batch with a refused end) is retried.
    for (let tries = 0; ; tries++) {
      const { statusCode } = await deliver(app, effectEvent(id, effectsFile))
      countAnswer(answers, statusCode)
      if (statusCode === 200 || tries === 5) break
    }
    // Each run's handler ends before the next delivery: one slot serves them all.
    if (index < endLimit) t.ok(await waitFor(() => sideEffectCounts(effectsFile).has(id), 2000), `${id} ran`)
    // At the limit: past a second there, the ends are taken as refused, not slow.
    if (index === endLimit - 1) await sleep(1_200)
  }
  t.equal(answers['200'], ids.length, 'every delivery acknowledged')

  const ran = ids.filter((id) => sideEffectCounts(effectsFile).has(id))
  t.same(ran, ids.slice(0, endLimit), `the first ${endLimit} ran; their ends wait for the store`)
  for (const id of ids.slice(endLimit)) {
    t.match(await store.get(id), { status: 'pending', attempts: 0 }, `${id} is stored pending, not run, past the limit`)
  }
  const unready = await firstUnreadyBody(app)
  t.not(unready, undefined, '/readyz turns 503 while the ends wait')
  t.match(unready, { slots: 'unavailable: a handler\'s end has waited more than HANDLER_TIMEOUT_MS (300 ms) to be recorded in the store' })

  await admin.query('DROP TRIGGER refuse_attempts ON stripe_event_attempts')
  t.ok(await waitFor(async () => await allSettled(store, ids), 15_000), 'every event ends settled once the store takes ends again')
  const effects = await reportFigures(t, store, ids, effectsFile, { sent: ids.length, acknowledged: answers['200'] ?? 0, answers })
  t.same(ids.filter((id) => effects.get(id) !== 1), [], 'every event handled exactly once, by its side effect')
  t.same(handledTwice(effects), [])
  for (const event of await store.list({ ids, limit: ids.length + 1 })) t.equal(event.status, 'handled', `${event.id} handled`)
  t.ok(await waitFor(async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 3000), '/readyz is 200 again')
})
