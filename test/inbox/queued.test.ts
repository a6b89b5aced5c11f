// Queued mode, the default: the event is stored before the 200, and workers run its handler once.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { buildApp, deliver, handlerFolder, loadFixture, paymentIntentSucceeded, settle, temporaryDir } from '../helper.js'
import { backendEnv, backends } from '../helpers/postgres.js'
import { handledEventIds } from '../fixtures/handler-folders/recording/payment_intent.succeeded.js'
import { completedEventIds as flakyCompleted, runsByEvent } from '../fixtures/handler-folders/flaky/payment_intent.succeeded.js'
import { startedEventIds } from '../fixtures/handler-folders/slow/payment_intent.succeeded.js'

for (const backend of backends) {
  test(`${backend}: a verified event is stored as received before the 200, and handled once`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    handledEventIds.length = 0
    const { app } = await buildApp(t, { env: { ...env, POLL_INTERVAL_MS: '60000' }, handlersDir: handlerFolder('recording') })
    const event = { ...paymentIntentSucceeded('evt_stored_1'), account: 'acct_1Connected', livemode: false }
    const payload = JSON.stringify(event, null, 2)

    const response = await deliver(app, payload)

    t.equal(response.statusCode, 200)
    const stored = await app.eventInbox.store?.get('evt_stored_1')
    t.match(stored, {
      type: 'payment_intent.succeeded',
      account: 'acct_1Connected',
      livemode: false,
      apiVersion: '2026-10-28.endive',
      created: event.created
    })
    t.ok(stored?.payload.equals(Buffer.from(payload)), 'the raw bytes are stored')
    await settle(app)
    t.same(handledEventIds, ['evt_stored_1'])
    t.match(await app.eventInbox.store?.get('evt_stored_1'), { status: 'handled', attempts: 1 })
  })

  test(`${backend}: unverified requests are never stored`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    const { app } = await buildApp(t, { env })
    const response = await deliver(app, paymentIntentSucceeded('evt_forged'), { secret: 'whsec_forger' })
    t.equal(response.statusCode, 400)
    t.equal(await app.eventInbox.store?.get('evt_forged'), null)
  })

  test(`${backend}: duplicate deliveries, one after another or all at once, run the handler once`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    handledEventIds.length = 0
    const { app, logs } = await buildApp(t, { env, handlersDir: handlerFolder('recording') })
    const event = paymentIntentSucceeded('evt_dup_sequential')

    t.equal((await deliver(app, event)).statusCode, 200)
    await settle(app)
    t.equal((await deliver(app, event)).statusCode, 200, 'a redelivery after handling is acknowledged')
    t.ok(logs.some((line) => line.msg === 'Duplicate delivery acknowledged; the event is stored already'))

    const concurrent = paymentIntentSucceeded('evt_dup_concurrent')
    const responses = await Promise.all(Array.from({ length: 25 }, async () => await deliver(app, concurrent)))
    t.same(responses.map((response) => response.statusCode), responses.map(() => 200))
    await settle(app)
    t.same(handledEventIds.sort(), ['evt_dup_concurrent', 'evt_dup_sequential'])
  })

  test(`${backend}: a failing handler is retried with backoff, then marked failed with its error`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    runsByEvent.clear()
    flakyCompleted.length = 0
    const { app } = await buildApp(t, {
      env: { ...env, MAX_ATTEMPTS: '3', RETRY_BASE_DELAY_MS: '20', POLL_INTERVAL_MS: '10' },
      handlersDir: handlerFolder('flaky')
    })

    t.equal((await deliver(app, paymentIntentSucceeded('evt_recovers', { failures: '2' }))).statusCode, 200)
    t.equal((await deliver(app, paymentIntentSucceeded('evt_dead', { failures: '99' }))).statusCode, 200)
    await settle(app)

    t.same(flakyCompleted, ['evt_recovers'])
    t.match(await app.eventInbox.store?.get('evt_recovers'), { status: 'handled', attempts: 3, lastError: null })
    const dead = await app.eventInbox.store?.get('evt_dead')
    t.match(dead, { status: 'failed', attempts: 3, lastError: 'Error: planned failure 3 of 99' })
    const attempts = await app.eventInbox.store?.attempts('evt_dead') ?? []
    t.same(attempts.map((attempt) => attempt.outcome), ['failed', 'failed', 'failed'])
    const gaps = attempts.slice(1).map((attempt, index) => attempt.startedAt - (attempts[index]?.finishedAt ?? 0))
    t.ok(gaps[0] !== undefined && gaps[0] >= 16, `the first retry waited the base delay (${gaps[0]} ms)`)
    t.ok(gaps[1] !== undefined && gaps[1] >= 32, `the second waited twice as long (${gaps[1]} ms)`)
    t.equal(runsByEvent.get('evt_dead'), 3, 'no run past MAX_ATTEMPTS')
  })

  test(`${backend}: an event abandoned by a dead worker is taken over when its lease expires`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    handledEventIds.length = 0
    const { app } = await buildApp(t, { env: { ...env, POLL_INTERVAL_MS: '10' }, handlersDir: handlerFolder('recording') })
    const store = app.eventInbox.store
    if (store === null) throw new Error('no store')
    const event = paymentIntentSucceeded('evt_abandoned')
    const payload = Buffer.from(JSON.stringify(event))
    const now = Date.now()
    const base = { type: event.type, account: null, livemode: false, apiVersion: event.api_version, created: event.created, receivedAt: now, objectId: event.data.object.id, source: 'webhook' as const, payload }
    // Claimed by a process that was killed: the lease runs out and nobody finishes it.
    await store.insert({ ...base, id: 'evt_abandoned' }, { status: 'processing', owner: 'killed-process', leaseExpiresAt: now + 100 })
    // Claimed by a live process that finishes it. Its lease must outlast the inserts and the finish:
    // with the 100 ms of the dead one, a loaded machine let it expire first, this app's worker rightly
    // took the event over and ran it (its payload, shared with evt_abandoned then, recorded a second
    // evt_abandoned). Its own payload now, so that a run of it would be recorded under its own id.
    const settledPayload = Buffer.from(JSON.stringify(paymentIntentSucceeded('evt_settled')))
    await store.insert({ ...base, id: 'evt_settled', payload: settledPayload }, { status: 'processing', owner: 'live-process', leaseExpiresAt: now + 60_000 })
    await store.finishAttempt(
      { eventId: 'evt_settled', attempt: 1, worker: 'live-process', startedAt: now, finishedAt: now, outcome: 'handled', error: null },
      { status: 'handled' }
    )

    await settle(app)

    t.same(handledEventIds, ['evt_abandoned'], 'the abandoned event ran, the handled one did not run again')
    t.match(await store.get('evt_abandoned'), { status: 'handled', attempts: 2 })
    t.match(await store.get('evt_settled'), { status: 'handled', attempts: 1 }, 'the finished one was never claimed again')
  })

  test(`${backend}: a handler that outlives its lease keeps it, and runs once`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    startedEventIds.length = 0
    const { app } = await buildApp(t, { env: { ...env, LEASE_SECONDS: '1', POLL_INTERVAL_MS: '20' }, handlersDir: handlerFolder('slow') })
    t.equal((await deliver(app, paymentIntentSucceeded('evt_long_handler', { delay_ms: '2500' }))).statusCode, 200)
    await settle(app)
    t.same(startedEventIds, ['evt_long_handler'], 'no other worker took it over while it ran')
    t.match(await app.eventInbox.store?.get('evt_long_handler'), { status: 'handled', attempts: 1 })
  })

  test(`${backend}: an event type without a handler is stored as unhandled and never queued`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    const { app, logs } = await buildApp(t, { env })
    const event = loadFixture('customer.created')
    t.equal((await deliver(app, event)).statusCode, 200)
    t.match(await app.eventInbox.store?.get(event.id), { status: 'unhandled', attempts: 0 })
    t.ok(logs.some((line) => line.msg === 'Unhandled event type: customer.created'))
  })
}

test('EVENT_STORE=none keeps nothing and runs handlers inline, as a stateless router', async (t) => {
  handledEventIds.length = 0
  const { app, logs } = await buildApp(t, { env: { EVENT_STORE: 'none' }, handlersDir: handlerFolder('recording') })
  const event = paymentIntentSucceeded('evt_stateless')
  t.equal((await deliver(app, event)).statusCode, 200)
  t.equal((await deliver(app, event)).statusCode, 200)
  t.same(handledEventIds, ['evt_stateless', 'evt_stateless'], 'no deduplication without a store')
  t.equal(app.eventInbox.store, null)
  t.ok(logs.some((line) => /EVENT_STORE=none/.test(line.msg)))
})

test('EVENT_STORE=postgres without DATABASE_URL stops start-up', async (t) => {
  await t.rejects(buildApp(t, { env: { EVENT_STORE: 'postgres' } }), { code: 'INVALID_SETTING', message: /EVENT_STORE=postgres needs DATABASE_URL/ })
})

test('the SQLite store is a file under DATA_DIR, created on first start, in WAL mode', async (t) => {
  const dataDir = join(temporaryDir(t), 'nested', 'data')
  const { app } = await buildApp(t, { env: { DATA_DIR: dataDir } })
  t.equal(app.eventInbox.store?.kind, 'sqlite')
  t.equal((await deliver(app, loadFixture('customer.created'))).statusCode, 200)
  t.ok(existsSync(join(dataDir, 'events.sqlite')), 'the database file')
  t.ok(existsSync(join(dataDir, 'events.sqlite-wal')), 'its write-ahead log')
})
