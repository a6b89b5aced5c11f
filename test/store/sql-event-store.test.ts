// The store's contract, run against the real SQLite file and the real PostgreSQL alike.
import { join } from 'node:path'
import { test, type Test } from 'tap'
import { leaseToken, type EventStore, type NewEvent } from '../../src/store/event-store.js'
import { openPostgresClient } from '../../src/store/postgres-client.js'
import { powerOfTwoChunks } from '../../src/store/batched-writes.js'
import { createSqlEventStore } from '../../src/store/sql-event-store.js'
import { openSqliteClient } from '../../src/store/sqlite-client.js'
import { temporaryDir } from '../helper.js'
import { freshPostgresSchema } from '../helpers/postgres.js'

type OpenStore = (t: Test) => Promise<EventStore | null>

const backends: Record<string, OpenStore> = {
  sqlite: async (t) => createSqlEventStore(openSqliteClient(join(temporaryDir(t), 'events.sqlite'))),
  postgres: async (t) => {
    const url = await freshPostgresSchema(t)
    return url === null ? null : createSqlEventStore(openPostgresClient(url))
  }
}

function newEvent (id: string, overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    id,
    type: 'payment_intent.succeeded',
    account: null,
    livemode: false,
    apiVersion: '2026-10-28.endive',
    created: 1764244800,
    receivedAt: Date.now(),
    objectId: 'pi_1',
    source: 'webhook',
    payload: Buffer.from(JSON.stringify({ id, object: 'event' })),
    ...overrides
  }
}

async function ready (t: Test, open: OpenStore): Promise<EventStore | null> {
  const store = await open(t)
  if (store === null) return null
  t.teardown(() => store.close())
  await store.migrate()
  return store
}

for (const [backend, open] of Object.entries(backends)) {
  test(`${backend}: migrating twice, or from two instances at once, is harmless`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    t.equal(await store.exists(), true, 'a migrated store exists')
    await store.migrate()
    t.same(await store.countByStatus(), { pending: 0, processing: 0, handled: 0, unhandled: 0, ignored: 0, failed: 0, superseded: 0 })
  })

  if (backend === 'postgres') {
    test('postgres: replicas migrating a fresh schema at the same moment all succeed', async (t) => {
      const url = await freshPostgresSchema(t)
      if (url === null) return
      // Separate clients, as separate replicas: before the migrations table was created under the
      // migration lock, the losers of this race failed with 23505 on the catalog's unique index.
      const replicas = Array.from({ length: 4 }, () => createSqlEventStore(openPostgresClient(url)))
      t.teardown(async () => { await Promise.all(replicas.map(async (replica) => { await replica.close() })) })
      const results = await Promise.allSettled(replicas.map(async (replica) => { await replica.migrate() }))
      t.same(results.map((result) => result.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
      t.equal(await replicas[0]?.exists(), true)
    })
  }

  test(`${backend}: an event is stored once per id, with every field and the exact bytes`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const payload = Buffer.from('{"id":"evt_1", "note":"Größe ☕"}\n')
    const event = newEvent('evt_1', { account: 'acct_1Abc', livemode: true, payload })
    t.equal(await store.insert(event, { status: 'pending' }), true)
    t.equal(await store.insert({ ...event, type: 'charge.succeeded' }, { status: 'pending' }), false, 'the second insert is refused')
    const stored = await store.get('evt_1')
    t.match(stored, {
      id: 'evt_1',
      type: 'payment_intent.succeeded',
      account: 'acct_1Abc',
      livemode: true,
      apiVersion: '2026-10-28.endive',
      created: 1764244800,
      receivedAt: event.receivedAt,
      status: 'pending',
      attempts: 0,
      lastError: null,
      leaseOwner: null,
      handledAt: null,
      objectId: 'pi_1',
      source: 'webhook',
      attemptsAtRequeue: 0
    })
    t.ok(stored?.payload.equals(payload), 'the payload bytes are exactly those received')
    t.equal(await store.get('evt_missing'), null)
  })

  test(`${backend}: concurrent inserts of one id store it once`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const results = await Promise.all(Array.from({ length: 20 }, async () => await store.insert(newEvent('evt_race'), { status: 'pending' })))
    t.equal(results.filter(Boolean).length, 1)
  })

  test(`${backend}: a batch larger than one statement's chunk stores each id once, whichever chunk repeats it`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    // 150 inserts in one turn: one transaction of 64 + 64 + 16 + 4 + 2 rows; ids 0-29 come again at the end.
    const ids = [...Array.from({ length: 120 }, (_, index) => `evt_batch_${index}`), ...Array.from({ length: 30 }, (_, index) => `evt_batch_${index}`)]
    const results = await Promise.all(ids.map(async (id) => await store.insert(newEvent(id), { status: 'pending' })))
    t.same(results.slice(0, 120), Array(120).fill(true), 'each first copy is stored')
    t.same(results.slice(120), Array(30).fill(false), 'each later copy is a duplicate')
    t.equal((await store.countByStatus()).pending, 120)
    t.ok((await store.get('evt_batch_119'))?.payload.equals(newEvent('evt_batch_119').payload))
  })

  test(`${backend}: batches committing at once (PostgreSQL) that insert the same ids in opposite orders all answer, each id stored once`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const ids = Array.from({ length: 150 }, (_, index) => `evt_overlap_${String(index).padStart(3, '0')}`)
    // One turn's inserts, then the next turn's, the same ids reversed: on PostgreSQL the second batch
    // is sent while the first commits, and waits on the first's rows.
    const first = ids.map(async (id) => await store.insert(newEvent(id), { status: 'pending' }))
    await new Promise((resolve) => setImmediate(resolve))
    const second = [...ids].reverse().map(async (id) => await store.insert(newEvent(id), { status: 'pending' }))
    const [firstAnswers, secondAnswers] = await Promise.all([Promise.all(first), Promise.all(second)])
    t.same(firstAnswers, Array(ids.length).fill(true), 'the first batch stores every id')
    t.same(secondAnswers, Array(ids.length).fill(false), 'the second finds each a duplicate, and fails none')
    t.equal((await store.countByStatus()).pending, ids.length)
  })

  test(`${backend}: a claim is atomic: of many concurrent claimers, one wins`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    await store.insert(newEvent('evt_claim'), { status: 'pending' })
    const now = Date.now()
    const claims = await Promise.all(Array.from({ length: 10 }, async (_, index) => await store.claim('evt_claim', `worker-${index}`, now, now + 60_000)))
    const winners = claims.filter((claim) => claim !== null)
    t.equal(winners.length, 1)
    t.match(winners[0], { status: 'processing', attempts: 1 })
    t.equal(await store.claim('evt_claim', 'late', now, now + 60_000), null, 'a held lease cannot be claimed')
    t.match(await store.claim('evt_claim', 'rescuer', now + 61_000, now + 120_000), { leaseOwner: 'rescuer', attempts: 2 }, 'an expired lease can')
  })

  test(`${backend}: claimDue hands each due event to one worker, and not before it is due`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const now = Date.now()
    for (let index = 0; index < 30; index++) await store.insert(newEvent(`evt_due_${index}`, { receivedAt: now - 1000 }), { status: 'pending' })
    await store.insert(newEvent('evt_settled'), { status: 'unhandled' })
    const batches = await Promise.all(['a', 'b', 'c'].map(async (worker) => await store.claimDue(worker, now, now + 60_000, 20)))
    const claimed = batches.flat().map((event) => event.id)
    t.equal(claimed.length, 30)
    t.equal(new Set(claimed).size, 30, 'no event went to two workers')
    t.notOk(claimed.includes('evt_settled'))

    const first = batches.flat()[0]
    if (first === undefined) throw new Error('nothing claimed')
    await store.finishAttempt(
      { eventId: first.id, attempt: 1, worker: first.leaseOwner ?? '', startedAt: now, finishedAt: now, outcome: 'failed', error: 'Error: boom' },
      { status: 'pending', error: 'Error: boom', nextAttemptAt: now + 5000 }
    )
    t.same(await store.claimDue('d', now + 4000, now + 60_000, 50), [], 'a retry is not due before its time')
    t.same((await store.claimDue('d', now + 5000, now + 60_000, 50)).map((event) => event.id), [first.id])
  })

  test(`${backend}: finishing an attempt settles the event and keeps the history`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const now = Date.now()
    await store.insert(newEvent('evt_done'), { status: 'processing', owner: 'w1', leaseExpiresAt: now + 60_000 })
    t.equal(await store.renewLease('evt_done', 'w1', now + 120_000), true)
    t.equal(await store.renewLease('evt_done', 'w2', now + 120_000), false, 'only the holder renews')
    const lost = await store.finishAttempt(
      { eventId: 'evt_done', attempt: 1, worker: 'w2', startedAt: now, finishedAt: now + 1, outcome: 'handled', error: null },
      { status: 'handled' }
    )
    t.equal(lost, false, 'a worker that lost the lease cannot settle the event')
    t.equal(await store.finishAttempt(
      { eventId: 'evt_done', attempt: 1, worker: 'w1', startedAt: now, finishedAt: now + 2, outcome: 'handled', error: null },
      { status: 'handled' }
    ), true)
    t.match(await store.get('evt_done'), { status: 'handled', handledAt: now + 2, leaseOwner: null, lastError: null })
    t.same((await store.attempts('evt_done')).map((attempt) => [attempt.worker, attempt.outcome]), [['w2', 'handled'], ['w1', 'handled']])
    t.equal(await store.claim('evt_done', 'w3', now + 999_999, now + 999_999), null, 'a handled event is never claimed again')
  })

  test(`${backend}: releasing leases hands unfinished events back at once`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const now = Date.now()
    await store.insert(newEvent('evt_mine'), { status: 'processing', owner: leaseToken('stopping', 1), leaseExpiresAt: now + 60_000 })
    await store.insert(newEvent('evt_crashed'), { status: 'processing', owner: leaseToken('crashing', 7), leaseExpiresAt: now + 60_000 })
    await store.insert(newEvent('evt_theirs'), { status: 'processing', owner: leaseToken('stopping-too', 1), leaseExpiresAt: now + 60_000 })
    t.equal(await store.releaseLeases('stopping'), 1, 'only the stopping owner\'s tokens')
    t.match(await store.get('evt_mine'), { status: 'pending', attempts: 0, leaseOwner: null }, 'a clean stop gives the attempt back')
    t.match(await store.get('evt_theirs'), { status: 'processing', leaseOwner: leaseToken('stopping-too', 1) })
    await store.insert(newEvent('evt_waiting'), { status: 'processing', owner: leaseToken('crashing', 7), leaseExpiresAt: now + 60_000 })
    t.equal(await store.releaseLeases('crashing', ['evt_crashed', 'evt_crashed']), 2)
    t.match(await store.get('evt_crashed'), { status: 'processing', attempts: 1, leaseOwner: leaseToken('crashing', 7) }, 'a stop after an error counts the attempt of the run it cut short')
    t.ok(((await store.get('evt_crashed'))?.leaseExpiresAt ?? Infinity) <= Date.now(), 'and its lease has expired, for the next claim')
    t.match(await store.get('evt_waiting'), { status: 'pending', attempts: 0, leaseOwner: null }, 'and gives back that of a claim that never ran')
    // With MAX_ATTEMPTS 1 the counted run was the last: the sweep fails it, where left pending nothing would take it.
    t.same((await store.failAbandoned(Date.now(), 1)).map((event) => event.id), ['evt_crashed'], 'at the cap, the claim-time sweep marks it failed')
    t.same((await store.claimDue('next', Date.now(), Date.now() + 60_000, 10, 1)).map((event) => event.id).sort(), ['evt_mine', 'evt_waiting'], 'the given-back events are claimed at once')
  })

  test(`${backend}: a lost claim is fenced: its run is in the history but cannot renew or settle the newer claim`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const now = Date.now()
    await store.insert(newEvent('evt_fenced'), { status: 'processing', owner: leaseToken('a', 1), leaseExpiresAt: now + 1000 })
    const reclaimed = await store.claimDue(leaseToken('a', 2), now + 2000, now + 60_000, 10)
    t.match(reclaimed, [{ id: 'evt_fenced', attempts: 2, leaseOwner: leaseToken('a', 2) }], 'the same instance re-claims under a new token')
    t.equal(await store.renewLease('evt_fenced', leaseToken('a', 1), now + 90_000), false, 'the old token cannot renew')
    t.equal(await store.finishAttempt(
      { eventId: 'evt_fenced', attempt: 1, worker: leaseToken('a', 1), startedAt: now, finishedAt: now + 2500, outcome: 'handled', error: null },
      { status: 'handled' }
    ), false, 'nor settle')
    t.match(await store.get('evt_fenced'), { status: 'processing', leaseOwner: leaseToken('a', 2) })
    t.equal(await store.finishAttempt(
      { eventId: 'evt_fenced', attempt: 2, worker: leaseToken('a', 2), startedAt: now + 2000, finishedAt: now + 2600, outcome: 'handled', error: null },
      { status: 'handled' }
    ), true)
    t.same((await store.attempts('evt_fenced')).map((attempt) => [attempt.attempt, attempt.worker]), [[1, leaseToken('a', 1)], [2, leaseToken('a', 2)]], 'both runs are in the history')
  })

  test(`${backend}: an event with a recorded success is never claimed again nor failed: it settles handled, until a replay`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const now = Date.now()
    const succeeded = (lease: string, at: number): Parameters<EventStore['finishAttempt']>[0] =>
      ({ eventId: 'evt_known', attempt: 1, worker: lease, startedAt: at, finishedAt: at + 100, outcome: 'handled', error: null })
    await store.insert(newEvent('evt_known'), { status: 'processing', owner: leaseToken('a', 1), leaseExpiresAt: now + 1000 })
    t.match(await store.claimDue(leaseToken('b', 1), now + 2000, now + 3000, 10), [{ id: 'evt_known' }], 'b takes it over once a\'s lease expired')
    t.equal(await store.finishAttempt(succeeded(leaseToken('a', 1), now), { status: 'handled' }), false, 'a\'s late success is fenced')
    t.equal(await store.renewLease('evt_known', leaseToken('b', 1), now + 5000), false, 'b may not go on: the event succeeded')
    t.same(await store.claimDue(leaseToken('c', 1), now + 4000, now + 9000, 10), [], 'once b\'s lease expired, no claim runs it')
    t.same(await store.failAbandoned(now + 4000, 2), [], 'nor does the claim-time cap fail it')
    t.same(await store.claim('evt_known', leaseToken('c', 2), now + 4000, now + 9000), null, 'nor a redelivery\'s claim')
    t.same(await store.settleSucceeded(now + 4000), [{ id: 'evt_known', type: 'payment_intent.succeeded', attempts: 2 }], 'the sweep settles it')
    t.match(await store.get('evt_known'), { status: 'handled', lastError: null, leaseOwner: null, handledAt: now + 100 })

    await store.insert(newEvent('evt_known_b'), { status: 'processing', owner: leaseToken('a', 2), leaseExpiresAt: now + 1000 })
    await store.claimDue(leaseToken('b', 2), now + 2000, now + 60_000, 10)
    await store.finishAttempt({ ...succeeded(leaseToken('a', 2), now), eventId: 'evt_known_b' }, { status: 'handled' })
    t.equal(await store.finishAttempt(
      { eventId: 'evt_known_b', attempt: 2, worker: leaseToken('b', 2), startedAt: now + 2000, finishedAt: now + 2500, outcome: 'failed', error: 'Error: boom' },
      { status: 'failed', error: 'Error: boom' }
    ), true)
    t.match(await store.get('evt_known_b'), { status: 'handled', lastError: null }, 'a newer claim\'s failure does not fail an event that succeeded')

    t.same(await store.requeue({ ids: ['evt_known'] }, true, now + 5000), [{ id: 'evt_known', outcome: 'requeued' }], 'a forced replay')
    t.match(await store.claimDue(leaseToken('d', 1), now + 5000, now + 9000, 10), [{ id: 'evt_known' }], 'runs it again: successes before the replay do not count')
  })

  test(`${backend}: MAX_ATTEMPTS is applied at claim time: an event whose last run stopped is failed, not claimed`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const now = Date.now()
    await store.insert(newEvent('evt_capped'), { status: 'processing', owner: leaseToken('a', 1), leaseExpiresAt: now + 1000 })
    await store.insert(newEvent('evt_running'), { status: 'processing', owner: leaseToken('a', 2), leaseExpiresAt: now + 60_000 })
    t.same(await store.claimDue(leaseToken('b', 1), now + 2000, now + 60_000, 10, 1), [], 'a capped event is not claimed')
    t.same(await store.failAbandoned(now + 500, 1), [], 'not before its lease expired')
    t.same(await store.failAbandoned(now + 2000, 1), [{ id: 'evt_capped', type: 'payment_intent.succeeded', attempts: 1, lastError: 'the process running it stopped during attempt 1' }])
    t.match(await store.get('evt_capped'), { status: 'failed', lastError: 'the process running it stopped during attempt 1' })
    t.match(await store.get('evt_running'), { status: 'processing' }, 'a live lease is left alone')
    t.equal(await store.finishAttempt(
      { eventId: 'evt_capped', attempt: 1, worker: leaseToken('a', 1), startedAt: now, finishedAt: now + 3000, outcome: 'handled', error: null },
      { status: 'handled' }
    ), true, 'the last claim, still alive after all, may record its end')
    t.match(await store.get('evt_capped'), { status: 'handled', leaseOwner: null })
  })

  test(`${backend}: requeue runs never-handled events without force, gives each other id its reason, and numbers attempts on`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const now = Date.now()
    await store.insert(newEvent('evt_failed', { type: 'invoice.paid', receivedAt: now - 5 }), { status: 'processing', owner: 'w', leaseExpiresAt: now + 60_000 })
    for (const attempt of [1, 2]) {
      await store.finishAttempt(
        { eventId: 'evt_failed', attempt, worker: 'w', startedAt: now + attempt, finishedAt: now + attempt, outcome: 'failed', error: 'Error: down' },
        attempt === 1 ? { status: 'pending', error: 'Error: down', nextAttemptAt: now } : { status: 'failed', error: 'Error: down' }
      )
      if (attempt === 1) await store.claimDue('w', now, now + 60_000, 10)
    }
    await store.insert(newEvent('evt_handled', { receivedAt: now - 4 }), { status: 'processing', owner: 'w', leaseExpiresAt: now + 60_000 })
    await store.finishAttempt(
      { eventId: 'evt_handled', attempt: 1, worker: 'w', startedAt: now, finishedAt: now, outcome: 'handled', error: null },
      { status: 'handled' }
    )
    await store.insert(newEvent('evt_unhandled', { type: 'customer.created', receivedAt: now - 3 }), { status: 'unhandled' })
    await store.insert(newEvent('evt_ignored', { receivedAt: now - 2 }), { status: 'ignored' })
    await store.insert(newEvent('evt_leased', { receivedAt: now - 1 }), { status: 'processing', owner: 'w2', leaseExpiresAt: now + 60_000 })
    const named = ['evt_unknown', 'evt_handled', 'evt_ignored', 'evt_leased', 'evt_unhandled', 'evt_failed']
    t.same(await store.requeue({ ids: named }, false, now), [
      { id: 'evt_unknown', outcome: 'unknown' },
      { id: 'evt_handled', outcome: 'handled' },
      { id: 'evt_ignored', outcome: 'ignored' },
      { id: 'evt_leased', outcome: 'leased' },
      { id: 'evt_unhandled', outcome: 'requeued' },
      { id: 'evt_failed', outcome: 'requeued' }
    ], 'in the order named, each with its reason')
    t.match(await store.get('evt_failed'), { status: 'pending', attempts: 2, attemptsAtRequeue: 2, lastError: 'Error: down' }, 'attempt numbers go on')
    t.match(await store.get('evt_unhandled'), { status: 'pending' })
    t.same((await store.claimDue('w3', now, now + 60_000, 10, 1)).map((event) => [event.id, event.attempts]).sort(),
      [['evt_failed', 3], ['evt_unhandled', 1]], 'MAX_ATTEMPTS counts afresh after a requeue: a capped event runs once more, as attempt 3')

    t.same(await store.requeue({ ids: ['evt_handled', 'evt_ignored', 'evt_leased'] }, true, now + 1000), [
      { id: 'evt_handled', outcome: 'requeued' },
      { id: 'evt_ignored', outcome: 'requeued' },
      { id: 'evt_leased', outcome: 'leased' }
    ], 'forced: handled and ignored too, never a leased one')
    t.same(await store.requeue({ type: 'payment_intent.succeeded', status: 'pending' }, false, now + 1000), [
      { id: 'evt_ignored', outcome: 'requeued' },
      { id: 'evt_handled', outcome: 'requeued' }
    ], 'a filter reports every event it matched, newest first')
    t.same(await store.requeue({ ids: [] }, true, now), [])
  })

  test(`${backend}: requeue takes an expired lease without force, unless a run of it succeeded`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const now = Date.now()
    await store.insert(newEvent('evt_lease_expired'), { status: 'processing', owner: 'w3', leaseExpiresAt: now - 1 })
    await store.insert(newEvent('evt_succeeded_lease_expired'), { status: 'processing', owner: 'w4', leaseExpiresAt: now - 1 })
    await store.finishAttempt(
      { eventId: 'evt_succeeded_lease_expired', attempt: 1, worker: 'w4', startedAt: now - 2, finishedAt: now - 1, outcome: 'handled', error: null },
      { status: 'handled' }, 'an-older-claim'
    )
    t.same(await store.requeue({ ids: ['evt_lease_expired', 'evt_succeeded_lease_expired'] }, false, now), [
      { id: 'evt_lease_expired', outcome: 'requeued' },
      { id: 'evt_succeeded_lease_expired', outcome: 'handled' }
    ], 'an expired lease is requeued without force, unless a run of it succeeded')
  })

  test(`${backend}: an object's events list in Stripe's created order, ties by arrival`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const now = Date.now()
    await store.insert(newEvent('evt_updated', { objectId: 'sub_1', created: 1000, receivedAt: now - 10 }), { status: 'unhandled' })
    await store.insert(newEvent('evt_created', { objectId: 'sub_1', created: 999, receivedAt: now }), { status: 'unhandled' })
    await store.insert(newEvent('evt_same_second', { objectId: 'sub_1', created: 1000, receivedAt: now - 5 }), { status: 'unhandled' })
    await store.insert(newEvent('evt_other', { objectId: 'sub_2', created: 1, receivedAt: now - 20 }), { status: 'unhandled' })
    t.same((await store.list({ objectId: 'sub_1' })).map((event) => event.id), ['evt_created', 'evt_updated', 'evt_same_second'])
    t.same((await store.list({})).map((event) => event.id), ['evt_created', 'evt_same_second', 'evt_updated', 'evt_other'], 'other listings stay newest first')
  })

  test(`${backend}: list filters by status, type and time; prune keeps failed events`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const day = 24 * 60 * 60 * 1000
    const now = Date.now()
    await store.insert(newEvent('evt_old_handled', { receivedAt: now - 40 * day }), { status: 'unhandled' })
    await store.insert(newEvent('evt_old_failed', { receivedAt: now - 40 * day, type: 'invoice.paid' }), { status: 'processing', owner: 'w', leaseExpiresAt: now })
    await store.finishAttempt(
      { eventId: 'evt_old_failed', attempt: 1, worker: 'w', startedAt: now, finishedAt: now, outcome: 'failed', error: 'x' },
      { status: 'failed', error: 'x' }
    )
    await store.insert(newEvent('evt_new', { receivedAt: now }), { status: 'pending' })

    t.same((await store.list({})).map((event) => event.id), ['evt_new', 'evt_old_failed', 'evt_old_handled'], 'newest first')
    t.same((await store.list({ status: 'failed' })).map((event) => event.id), ['evt_old_failed'])
    t.same((await store.list({ type: 'invoice.paid' })).map((event) => event.id), ['evt_old_failed'])
    t.same((await store.list({ since: now - day })).map((event) => event.id), ['evt_new'])
    t.same((await store.list({ until: now - day, limit: 1 })).length, 1)

    await store.recordDelivery({ eventId: 'evt_old_handled', receivedAt: now - 39 * day, kind: 'duplicate', type: 'payment_intent.succeeded', objectId: 'pi_1', payload: null })
    t.same(await store.countPrunable(now - 30 * day), { unhandled: 1 }, 'a dry run counts what prune would delete')
    t.same((await store.list({})).length, 3, 'and deletes nothing')
    t.equal(await store.prune(now - 30 * day), 1)
    t.same((await store.list({})).map((event) => event.id).sort(), ['evt_new', 'evt_old_failed'])
    t.same(await store.attempts('evt_old_handled'), [])
    t.same(await store.deliveries('evt_old_handled'), [], 'its deliveries went with it')
  })

  test(`${backend}: a redelivery requeues only a failed event, or an unhandled one when asked, of its own type, and only once`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const now = Date.now()
    const fail = async (id: string): Promise<void> => {
      await store.insert(newEvent(id), { status: 'processing', owner: 'w', leaseExpiresAt: now + 60_000 })
      await store.finishAttempt({ eventId: id, attempt: 1, worker: 'w', startedAt: now, finishedAt: now, outcome: 'failed', error: 'Error: down' }, { status: 'failed', error: 'Error: down' })
    }
    await fail('evt_failed')
    await store.insert(newEvent('evt_unhandled'), { status: 'unhandled' })
    await store.insert(newEvent('evt_pending'), { status: 'pending' })
    await store.insert(newEvent('evt_ignored'), { status: 'ignored' })
    await store.insert(newEvent('evt_running'), { status: 'processing', owner: 'w', leaseExpiresAt: now + 60_000 })
    const redelivery = { type: 'payment_intent.succeeded', requeueUnhandled: false, now: now + 1000 }

    t.equal(await store.redeliver('evt_failed', { ...redelivery, type: 'customer.created' }), null, 'not under another type')
    for (const id of ['evt_unhandled', 'evt_pending', 'evt_ignored', 'evt_running', 'evt_unknown']) {
      t.equal(await store.redeliver(id, redelivery), null, `${id} stays as it is`)
    }
    const requeued = await Promise.all(Array.from({ length: 5 }, async () => await store.redeliver('evt_failed', redelivery)))
    t.equal(requeued.filter((event) => event !== null).length, 1, 'of concurrent redeliveries, one requeues it')
    t.match(await store.get('evt_failed'), { status: 'pending', attempts: 1, attemptsAtRequeue: 1, nextAttemptAt: now + 1000, leaseOwner: null })
    t.match(await store.redeliver('evt_unhandled', { ...redelivery, requeueUnhandled: true }), { status: 'pending', attempts: 0, attemptsAtRequeue: 0 })

    await fail('evt_claimed')
    t.match(await store.redeliver('evt_claimed', { ...redelivery, claim: { owner: leaseToken('r', 1), leaseExpiresAt: now + 61_000 } }),
      { status: 'processing', attempts: 2, attemptsAtRequeue: 1, leaseOwner: leaseToken('r', 1), leaseExpiresAt: now + 61_000, payload: newEvent('evt_claimed').payload },
      'claimed at once: its attempt is number 2, the first of a fresh budget')
  })

  test(`${backend}: a delivery of an event deleted meanwhile is not recorded, and fails nothing written beside it`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const delivery = { receivedAt: Date.now(), kind: 'duplicate' as const, type: 'payment_intent.succeeded', objectId: 'pi_1', payload: null }
    const [, stored] = await Promise.all([
      store.recordDelivery({ ...delivery, eventId: 'evt_pruned_meanwhile' }),
      store.insert(newEvent('evt_beside'), { status: 'pending' }),
      store.recordDelivery({ ...delivery, eventId: 'evt_beside', kind: 'conflict', payload: Buffer.from('{"id":"evt_beside"}') })
    ])
    t.equal(stored, true, 'the insert in the same batch is stored')
    t.same(await store.deliveries('evt_pruned_meanwhile'), [])
    t.same(await store.deliveries('evt_beside'), [{ ...delivery, eventId: 'evt_beside', kind: 'conflict', payload: Buffer.from('{"id":"evt_beside"}') }])
  })

  test(`${backend}: a run presumed dead that succeeds after a resend or a replay of its event fences the new claim: no second run`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const now = Date.now()
    for (const [id, requeueIt] of [
      ['evt_late_resend', async () => await store.redeliver('evt_late_resend', { type: 'payment_intent.succeeded', requeueUnhandled: false, now: now + 300 })],
      ['evt_late_replay', async () => await store.requeue({ ids: ['evt_late_replay'] }, false, now + 300)]
    ] as const) {
      // The last allowed run's lease runs out (a blocked event loop, not a crash): failed at claim time.
      await store.insert(newEvent(id), { status: 'processing', owner: leaseToken('slow', 1), leaseExpiresAt: now + 100 })
      t.match(await store.failAbandoned(now + 200, 1), [{ id }])
      t.ok(await requeueIt(), `${id} requeued`)
      // The presumed-dead run ends after all, successfully: its side effect happened.
      await store.finishAttempt({ eventId: id, attempt: 1, worker: leaseToken('slow', 1), startedAt: now, finishedAt: now + 400, outcome: 'handled', error: null }, { status: 'handled' })
      t.same(await store.claimDue(leaseToken('other', 1), now + 500, now + 60_000, 10), [], `${id} is not claimed again`)
    }
    t.same((await store.settleSucceeded(now + 500)).map((event) => event.id).sort(), ['evt_late_replay', 'evt_late_resend'], 'both settle handled instead')
  })

  test(`${backend}: after a requeue, MAX_ATTEMPTS counts the attempts since it, while attempt numbers go on`, async (t) => {
    const store = await ready(t, open)
    if (store === null) return
    const now = Date.now()
    await store.insert(newEvent('evt_again'), { status: 'processing', owner: leaseToken('a', 1), leaseExpiresAt: now + 1000 })
    await store.finishAttempt({ eventId: 'evt_again', attempt: 1, worker: leaseToken('a', 1), startedAt: now, finishedAt: now, outcome: 'failed', error: 'x' }, { status: 'failed', error: 'x' })
    t.same(await store.requeue({ ids: ['evt_again'] }, false, now + 10), [{ id: 'evt_again', outcome: 'requeued' }])
    t.match(await store.claimDue(leaseToken('b', 1), now + 20, now + 1000, 10, 1), [{ id: 'evt_again', attempts: 2, attemptsAtRequeue: 1 }],
      'claimed under a cap of 1, though one attempt was made before')
    t.same(await store.failAbandoned(now + 500, 1), [], 'its lease has not expired yet')
    t.same(await store.claimDue(leaseToken('c', 1), now + 2000, now + 3000, 10, 1), [], 'its budget of 1 is spent: not claimed again')
    t.match(await store.failAbandoned(now + 2000, 1), [{ id: 'evt_again', attempts: 2 }], 'and failed at claim time')
    await store.redeliver('evt_again', { type: 'payment_intent.succeeded', requeueUnhandled: false, now: now + 3000 })
    t.match(await store.claimDue(leaseToken('d', 1), now + 3000, now + 4000, 10, 1), [{ id: 'evt_again', attempts: 3, attemptsAtRequeue: 2 }], 'a redelivery gives a fresh budget too')
  })
}

test('batches go as chunks of 64, 32, ... 1 rows, in order, so few statement shapes are ever prepared', async (t) => {
  const items = Array.from({ length: 150 }, (_, index) => index)
  const chunks = powerOfTwoChunks(items)
  t.same(chunks.map((chunk) => chunk.length), [64, 64, 16, 4, 2])
  t.same(chunks.flat(), items)
  t.same(powerOfTwoChunks([]), [])
  const shapes = new Set(Array.from({ length: 500 }, (_, size) => powerOfTwoChunks(Array(size + 1).fill(0)).map((chunk) => chunk.length)).flat())
  t.same([...shapes].sort((a, b) => a - b), [1, 2, 4, 8, 16, 32, 64], 'seven shapes for every batch size up to 500')
})
