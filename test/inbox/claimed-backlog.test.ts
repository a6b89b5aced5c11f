// Deliveries that arrive while every handler slot is busy: up to 8 × WORKER_CONCURRENCY events in
// memory (running, or waiting), they are stored already claimed by this instance and run from memory
// as slots free; the rest are stored pending for any worker. Each runs once, counted by its handler's own side effect; a stop gives the claimed
// ones back uncounted, for the next start to run.
import { join } from 'node:path'
import { test } from 'tap'
import { buildApp, deliver, handlerFolder, paymentIntentSucceeded, temporaryDir } from '../helper.js'
import { completedEventIds, inFlight } from '../fixtures/handler-folders/slow/payment_intent.succeeded.js'
import { handledTwice, sideEffectCounts } from '../helpers/side-effects.js'
import { backendEnv, backends } from '../helpers/postgres.js'
import { allSettled, effectEvent, sideEffectsHandlers, storeOf, waitFor } from '../helpers/runs-kit.js'

const env = { WORKER_CONCURRENCY: '2', POLL_INTERVAL_MS: '50', SHUTDOWN_GRACE_MS: '100' }

test('with every slot busy, the next deliveries wait claimed in memory, the ones past 8 per slot pending; each runs once', async (t) => {
  const dataDir = temporaryDir(t)
  const effectsFile = join(dataDir, 'effects')
  const { app } = await buildApp(t, { env: { ...env, DATA_DIR: dataDir }, handlersDir: sideEffectsHandlers })
  const store = app.eventInbox.store
  if (store === null) throw new Error('no store')
  const slow = ['evt_backlog_slow_0', 'evt_backlog_slow_1']
  // With 2 slots, 16 in memory: the 2 slow ones and 14 waiting.
  const waiting = Array.from({ length: 14 }, (_, index) => `evt_backlog_waiting_${index}`)
  const pending = 'evt_backlog_pending'
  // Long enough for the 15 deliveries below on a loaded machine.
  for (const id of slow) t.equal((await deliver(app, effectEvent(id, effectsFile, { delay_ms: '2000' }))).statusCode, 200)
  for (const id of [...waiting, pending]) t.equal((await deliver(app, effectEvent(id, effectsFile))).statusCode, 200)

  // While the slow runs hold both slots.
  const leases = new Map<string, string | null>()
  for (const id of waiting) {
    const stored = await store.get(id)
    t.match(stored, { status: 'processing', attempts: 1 }, `${id} is stored claimed`)
    leases.set(id, stored?.leaseOwner ?? null)
    t.not(leases.get(id), null, `${id} has a lease`)
  }
  t.match(await store.get(pending), { status: 'pending', attempts: 0 }, 'past the backlog, a delivery is stored pending')
  t.equal(sideEffectCounts(effectsFile).size, 0, 'nothing has run past the busy slots yet')

  const ids = [...slow, ...waiting, pending]
  t.ok(await waitFor(async () => await allSettled(store, ids), 10_000), 'every event ends settled')
  const effects = sideEffectCounts(effectsFile)
  t.same(ids.filter((id) => effects.get(id) !== 1), [], 'every event handled exactly once, by its side effect')
  t.same(handledTwice(effects), [])
  for (const id of waiting) {
    const attempts = await store.attempts(id)
    t.same(attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.worker]), [[1, 'handled', leases.get(id)]], `${id} ran once, under the claim it was stored with`)
  }
})

test('a stop gives the backlog\'s claims back uncounted, and the next start runs those events once', async (t) => {
  const dataDir = temporaryDir(t)
  const effectsFile = join(dataDir, 'effects')
  const first = await buildApp(t, { env: { ...env, DATA_DIR: dataDir }, handlersDir: sideEffectsHandlers })
  const hung = ['evt_backlog_hung_0', 'evt_backlog_hung_1']
  const waiting = ['evt_backlog_stop_0', 'evt_backlog_stop_1']
  for (const id of hung) t.equal((await deliver(first.app, effectEvent(id, effectsFile, { behaviour: 'hang' }))).statusCode, 200)
  for (const id of waiting) t.equal((await deliver(first.app, effectEvent(id, effectsFile))).statusCode, 200)
  await first.app.close()

  const store = await storeOf(t, { dataDir })
  for (const id of waiting) t.match(await store.get(id), { status: 'pending', attempts: 0, leaseOwner: null }, `${id} is pending again, no attempt counted`)
  t.equal(sideEffectCounts(effectsFile).size, 0, 'nothing ran')

  // Slots enough for the hung events, claimed again too, and for these.
  const second = await buildApp(t, { env: { ...env, WORKER_CONCURRENCY: '8', DATA_DIR: dataDir }, handlersDir: sideEffectsHandlers })
  const secondStore = second.app.eventInbox.store
  if (secondStore === null) throw new Error('no store')
  t.ok(await waitFor(async () => await allSettled(secondStore, waiting), 10_000), 'the next start settles them')
  const effects = sideEffectCounts(effectsFile)
  t.same(waiting.map((id) => effects.get(id)), [1, 1], 'each handled exactly once')
})

test('a backlog stored pending drains as slots free, without waiting for a poll', async (t) => {
  const dataDir = temporaryDir(t)
  const effectsFile = join(dataDir, 'effects')
  // A poll far beyond the wait below: only the worker's own wakes (a slot freed, an insert) can drain it.
  const { app } = await buildApp(t, { env: { ...env, POLL_INTERVAL_MS: '600000', DATA_DIR: dataDir }, handlersDir: sideEffectsHandlers })
  const store = app.eventInbox.store
  if (store === null) throw new Error('no store')
  // Delivered 128 at a time: past the 2 slots and the 16 events in memory, most are stored pending.
  const ids = Array.from({ length: 1_024 }, (_, index) => `evt_drain_${index}`)
  for (let start = 0; start < ids.length; start += 128) {
    const answers = await Promise.all(ids.slice(start, start + 128).map(async (id) => await deliver(app, effectEvent(id, effectsFile))))
    t.same(answers.filter((answer) => answer.statusCode !== 200).length, 0, `deliveries ${start}-${start + 127} acknowledged`)
  }
  const started = Date.now()
  // Claims of up to 2, one commit each: a few seconds at most. A wake lost between two claims leaves
  // the rest for the poll, 10 minutes away.
  t.ok(await waitFor(async () => await allSettled(store, ids), 10_000), 'the whole backlog is settled within 10 s')
  t.comment(`settled ${Date.now() - started} ms after the last answer`)
  const effects = sideEffectCounts(effectsFile)
  t.same(ids.filter((id) => effects.get(id) !== 1), [], 'every event handled exactly once, by its side effect')
})

// On PostgreSQL a delivery's insert and a claim commit in batches of their own, in either order: a
// delivery can take a slot after the claim asked for events and before its answer comes back.
for (const backend of backends) {
  test(`${backend}: no more handlers run at once than WORKER_CONCURRENCY, though deliveries take slots while a claim is in flight`, async (t) => {
    const backendVars = await backendEnv(t, backend)
    if (backendVars === null) return
    completedEventIds.length = 0
    inFlight.now = 0
    inFlight.most = 0
    // Short runs and a short poll: claims of pending events are in flight as often as deliveries come in.
    const { app } = await buildApp(t, { env: { ...env, ...backendVars, POLL_INTERVAL_MS: '10' }, handlersDir: handlerFolder('slow') })
    const ids = Array.from({ length: 600 }, (_, index) => `evt_at_once_${index}`)
    // 24 senders, each delivering its next event once the last is answered: a steady stream.
    const answers: number[] = []
    const unsent = [...ids]
    await Promise.all(Array.from({ length: 24 }, async () => {
      for (let id = unsent.shift(); id !== undefined; id = unsent.shift()) {
        answers.push((await deliver(app, paymentIntentSucceeded(id, { delay_ms: '2' }))).statusCode)
      }
    }))
    t.same(answers.filter((status) => status !== 200), [], 'every delivery acknowledged')
    t.ok(await waitFor(() => completedEventIds.length >= ids.length, 20_000), 'every event is handled')
    t.ok(inFlight.most <= 2, `at most 2 handlers at once (${inFlight.most})`)
    t.equal(new Set(completedEventIds).size, ids.length, 'each once')
  })
}
