// Stripe's resend (Dashboard or `stripe events resend`) of an event not yet handled runs it; of a
// handled, queued or running one it does not. Every delivery after the first is recorded, and an id
// reused for another event is kept as a conflict. Runs are counted from the handler's own file.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type Stripe from 'stripe'
import { buildApp, deliver, handlerFolder, loadFixture, paymentIntentSucceeded, settle, temporaryDir, type LogLine } from '../helper.js'
import { backendEnv, backends, freshPostgresSchema } from '../helpers/postgres.js'
import { sideEffectCounts } from '../helpers/side-effects.js'

const modes = ['queued', 'inline'] as const

/** The outcomes of the deliveries an app answered, in order, as its one log line per delivery says. */
function answeredOutcomes (logs: LogLine[]): unknown[] {
  return logs.filter((line) => line.msg === 'Stripe delivery answered').map((line) => line.outcome)
}

/** A handler whose bug is "fixed" by deleting a file, and the file its completed runs are counted in. */
function brokenHandler (t: Test): { dir: string, effects: string, broken: string, metadata: Record<string, string> } {
  const dir = temporaryDir(t)
  const effects = join(dir, 'effects.log')
  const broken = join(dir, 'broken')
  writeFileSync(broken, 'the bug')
  return { dir, effects, broken, metadata: { behaviour: 'broken', broken_file: broken, effects_file: effects } }
}

function storeOf (app: FastifyInstance): NonNullable<FastifyInstance['eventInbox']['store']> {
  const store = app.eventInbox.store
  if (store === null) throw new Error('no store')
  return store
}

for (const backend of backends) {
  for (const mode of modes) {
    test(`${backend}, ${mode}: a failed event resent after its fix runs once more and ends handled, attempt numbers going on; resent again, it does not run`, async (t) => {
      const env = await backendEnv(t, backend)
      if (env === null) return
      const handler = brokenHandler(t)
      const { app, logs } = await buildApp(t, {
        env: { ...env, PROCESSING_MODE: mode, MAX_ATTEMPTS: '3', RETRY_BASE_DELAY_MS: '1', RETRY_MAX_DELAY_MS: '5', POLL_INTERVAL_MS: '20' },
        handlersDir: handlerFolder('side-effects')
      })
      const store = storeOf(app)
      const event = paymentIntentSucceeded('evt_resent_failed', handler.metadata)

      if (mode === 'queued') {
        t.equal((await deliver(app, event)).statusCode, 200)
        await settle(app)
      } else {
        // Inline, each of Stripe's retries is a redelivery of a failed event: it runs, and fails again.
        for (let delivery = 0; delivery < 3; delivery++) t.equal((await deliver(app, event)).statusCode, 500)
      }
      t.match(await store.get(event.id), { status: 'failed', attempts: 3 }, 'failed after three attempts')

      rmSync(handler.broken)
      t.equal((await deliver(app, event)).statusCode, 200, 'the resend is acknowledged')
      await settle(app)
      t.match(await store.get(event.id), { status: 'handled', attempts: 4, attemptsAtRequeue: 3 })
      t.same((await store.attempts(event.id)).map((attempt) => [attempt.attempt, attempt.outcome]),
        [[1, 'failed'], [2, 'failed'], [3, 'failed'], [4, 'handled']], 'attempt numbers go on from the failed ones')
      t.equal(sideEffectCounts(handler.effects).get(event.id), 1, 'the fixed handler completed once')
      const requeued = logs.find((line) => line.msg.startsWith('Redelivery of a failed event re-queued'))
      t.match(requeued, { level: 30, eventId: event.id, eventType: event.type, previousStatus: 'failed' }, 'the log says it was re-queued')

      t.equal((await deliver(app, event)).statusCode, 200, 'a resend of the handled event is acknowledged')
      await settle(app)
      t.equal(sideEffectCounts(handler.effects).get(event.id), 1, 'and does not run it again')
      t.equal(answeredOutcomes(logs).at(-2), 'requeued')
      t.equal(answeredOutcomes(logs).at(-1), 'duplicate')
      const kinds = (await store.deliveries(event.id)).map((delivery) => delivery.kind)
      t.same(kinds, mode === 'queued' ? ['redelivery', 'duplicate'] : ['redelivery', 'redelivery', 'redelivery', 'duplicate'],
        'every delivery after the first is recorded, with what became of it')
    })

    test(`${backend}, ${mode}: an event stored unhandled runs once when resent after its handler is deployed`, async (t) => {
      const env = await backendEnv(t, backend)
      if (env === null) return
      const shared = { ...env, DATA_DIR: temporaryDir(t), PROCESSING_MODE: mode }
      const effects = join(temporaryDir(t), 'effects.log')
      const event = paymentIntentSucceeded('evt_resent_unhandled', { effects_file: effects })

      const before = await buildApp(t, { env: shared, handlersDir: temporaryDir(t) })
      t.equal((await deliver(before.app, event)).statusCode, 200)
      t.match(await storeOf(before.app).get(event.id), { status: 'unhandled' })
      t.equal((await deliver(before.app, event)).statusCode, 200, 'resent while no handler exists')
      t.match(await storeOf(before.app).get(event.id), { status: 'unhandled' }, 'it stays unhandled')
      await before.app.close()

      const after = await buildApp(t, { env: shared, handlersDir: handlerFolder('side-effects') })
      t.equal((await deliver(after.app, event)).statusCode, 200)
      await settle(after.app)
      t.match(await storeOf(after.app).get(event.id), { status: 'handled', attempts: 1 })
      t.equal(sideEffectCounts(effects).get(event.id), 1, 'the new handler ran once')
      t.same(answeredOutcomes(after.logs), ['requeued'])

      t.equal((await deliver(after.app, event)).statusCode, 200)
      await settle(after.app)
      t.equal(sideEffectCounts(effects).get(event.id), 1, 'a later resend does not run it again')
      t.same((await storeOf(after.app).deliveries(event.id)).map((delivery) => delivery.kind), ['duplicate', 'redelivery', 'duplicate'])
    })

    test(`${backend}, ${mode}: a delivery reusing a stored id for another type or object is kept as a conflict, logged at warn, counted, and not run`, async (t) => {
      const env = await backendEnv(t, backend)
      if (env === null) return
      const effects = join(temporaryDir(t), 'effects.log')
      const { app, logs } = await buildApp(t, { env: { ...env, PROCESSING_MODE: mode }, handlersDir: handlerFolder('side-effects') })
      const store = storeOf(app)
      // Stripe's Dashboard test webhooks send one id for every type.
      const id = 'evt_00000000000000'
      const first = paymentIntentSucceeded(id, { effects_file: effects })
      t.equal((await deliver(app, first)).statusCode, 200)
      await settle(app)

      const fixture = loadFixture<Stripe.CustomerCreatedEvent>('customer.created')
      const customer = { ...fixture, id, data: { object: { ...fixture.data.object, description: 'conflict-body-marker' } } }
      const otherBody = JSON.stringify(customer, null, 2)
      const otherObject = paymentIntentSucceeded(id, { effects_file: effects })
      otherObject.data.object.id = 'pi_another_one'
      const responses = [await deliver(app, otherBody), await deliver(app, otherObject)]
      await settle(app)

      t.same(responses.map((response) => [response.statusCode, response.json()]), [[200, { received: true }], [200, { received: true }]])
      t.same(answeredOutcomes(logs), [mode === 'queued' ? 'queued' : 'handled', 'conflict', 'conflict'], 'never answered as a plain duplicate')
      t.equal(sideEffectCounts(effects).get(id), 1, 'no handler ran for either conflict')
      t.match(await store.get(id), { type: 'payment_intent.succeeded', status: 'handled' }, 'the stored event is unchanged')
      const deliveries = await store.deliveries(id)
      t.same(deliveries.map((delivery) => [delivery.kind, delivery.type, delivery.objectId]),
        [['conflict', 'customer.created', customer.data.object.id], ['conflict', 'payment_intent.succeeded', 'pi_another_one']])
      t.equal(deliveries[0]?.payload?.toString('utf8'), otherBody, 'the conflicting body is kept exactly as received')

      const warnings = logs.filter((line) => line.msg.startsWith('Event id conflict'))
      t.match(warnings, [
        { level: 40, eventId: id, storedType: 'payment_intent.succeeded', deliveredType: 'customer.created' },
        { level: 40, eventId: id, storedType: 'payment_intent.succeeded', deliveredType: 'payment_intent.succeeded', deliveredObjectId: 'pi_another_one' }
      ])
      t.notOk(JSON.stringify(logs).includes('conflict-body-marker'), 'no body in the log')
      const metrics = await app.inject({ method: 'GET', url: '/metrics' })
      t.match(metrics.body, /stripe_webhook_event_id_conflicts_total\{type="customer.created"\} 1\n/)
      t.match(metrics.body, /stripe_webhook_deliveries_total\{type="customer.created",outcome="conflict",reason=""\} 1\n/)
    })

    test(`${backend}, ${mode}: an ignored or still-unhandled event resent is a recorded duplicate, and a handled one resent does not run`, async (t) => {
      const env = await backendEnv(t, backend)
      if (env === null) return
      const effects = join(temporaryDir(t), 'effects.log')
      const { app, logs } = await buildApp(t, { env: { ...env, PROCESSING_MODE: mode, LIVEMODE: 'live' }, handlersDir: handlerFolder('side-effects') })
      const store = storeOf(app)
      const testMode = paymentIntentSucceeded('evt_resent_ignored', { effects_file: effects })
      const live = { ...paymentIntentSucceeded('evt_resent_handled', { effects_file: effects }), livemode: true }
      const noHandler = { ...loadFixture('customer.created'), id: 'evt_resent_no_handler', livemode: true }
      for (const event of [testMode, live, noHandler]) {
        for (let delivery = 0; delivery < 3; delivery++) t.equal((await deliver(app, event)).statusCode, 200)
      }
      await settle(app)
      t.same(sideEffectCounts(effects), new Map([[live.id, 1]]), 'only the live event ran, once')
      t.match(await store.get(testMode.id), { status: 'ignored' })
      t.match(await store.get(noHandler.id), { status: 'unhandled' })
      for (const event of [testMode, live, noHandler]) {
        const deliveries = await store.deliveries(event.id)
        t.same(deliveries.map((delivery) => [delivery.kind, delivery.type, delivery.payload]),
          [['duplicate', event.type, null], ['duplicate', event.type, null]], `${event.id}: two later deliveries recorded`)
        t.ok(deliveries.every((delivery) => delivery.receivedAt > Date.now() - 60_000 && delivery.receivedAt <= Date.now()), 'with when each arrived, in ms')
      }
      t.equal(answeredOutcomes(logs).filter((outcome) => outcome === 'duplicate').length, 6)
    })
  }

  test(`${backend}, queued: a resent event that still fails gets a fresh budget of MAX_ATTEMPTS before it is failed again`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    const handler = brokenHandler(t)
    const { app } = await buildApp(t, {
      env: { ...env, MAX_ATTEMPTS: '2', RETRY_BASE_DELAY_MS: '1', RETRY_MAX_DELAY_MS: '5', POLL_INTERVAL_MS: '20' },
      handlersDir: handlerFolder('side-effects')
    })
    const store = storeOf(app)
    const event = paymentIntentSucceeded('evt_resent_still_broken', handler.metadata)
    await deliver(app, event)
    await settle(app)
    t.match(await store.get(event.id), { status: 'failed', attempts: 2 })
    await deliver(app, event)
    await settle(app)
    t.match(await store.get(event.id), { status: 'failed', attempts: 4, attemptsAtRequeue: 2 })
    t.same((await store.attempts(event.id)).map((attempt) => attempt.attempt), [1, 2, 3, 4], 'two more attempts, numbered on')
    t.equal(sideEffectCounts(handler.effects).size, 0)
  })

  test(`${backend}: the deliveries are deleted with their event when it is pruned`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    const { app } = await buildApp(t, { env, handlersDir: temporaryDir(t) })
    const store = storeOf(app)
    const event = paymentIntentSucceeded('evt_pruned_with_deliveries')
    await deliver(app, event)
    await deliver(app, event)
    t.equal((await store.deliveries(event.id)).length, 1)
    t.equal(await store.prune(Date.now() + 1), 1)
    t.same(await store.deliveries(event.id), [], 'no delivery outlives its event')
  })
}

for (const mode of modes) {
  test(`postgres, ${mode}: two replicas receiving the same resend of a failed event at once run it once`, async (t) => {
    const url = await freshPostgresSchema(t)
    if (url === null) return
    const handler = brokenHandler(t)
    const env = { DATABASE_URL: url, PROCESSING_MODE: mode, MAX_ATTEMPTS: '1', POLL_INTERVAL_MS: '20' }
    const replicas = [
      await buildApp(t, { env, handlersDir: handlerFolder('side-effects') }),
      await buildApp(t, { env, handlersDir: handlerFolder('side-effects') })
    ]
    const event = paymentIntentSucceeded('evt_resent_to_two', { ...handler.metadata, delay_ms: '50' })
    const [one, other] = replicas.map((replica) => replica.app)
    if (one === undefined || other === undefined) throw new Error('two replicas expected')
    await deliver(one, event)
    await settle(one)
    t.match(await storeOf(one).get(event.id), { status: 'failed', attempts: 1 })

    rmSync(handler.broken)
    const responses = await Promise.all([deliver(one, event), deliver(other, event)])
    await Promise.all([settle(one), settle(other)])
    const statuses = responses.map((response) => response.statusCode)
    t.ok(statuses.includes(200), 'the replica that requeued it answered 200')
    // Inline, the other may find it running and answer 409 EVENT_IN_PROGRESS: Stripe retries later.
    t.same(statuses.filter((status) => status !== 200 && !(mode === 'inline' && status === 409)), [], 'the other acknowledged it, or asked for a retry')
    t.equal(sideEffectCounts(handler.effects).get(event.id), 1, 'the handler ran once')
    t.match(await storeOf(one).get(event.id), { status: 'handled', attempts: 2 })
    t.same((await storeOf(one).deliveries(event.id)).map((delivery) => delivery.kind).sort(), ['duplicate', 'redelivery'])
    const outcomes = replicas.flatMap(({ logs }) => answeredOutcomes(logs))
    t.equal(outcomes.filter((outcome) => outcome === 'requeued').length, 1, 'one replica requeued it')
  })
}
