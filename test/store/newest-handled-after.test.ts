// The per-object order's one query, on the real SQLite file and the real PostgreSQL: the newest
// handled event of an object created strictly later, among the types routed to one handler.
import { join } from 'node:path'
import { test, type Test } from 'tap'
import { routedTypes } from '../../src/routing/event-patterns.js'
import type { EventStore, NewEvent } from '../../src/store/event-store.js'
import { openPostgresClient } from '../../src/store/postgres-client.js'
import { createSqlEventStore } from '../../src/store/sql-event-store.js'
import { openSqliteClient } from '../../src/store/sqlite-client.js'
import { temporaryDir } from '../helper.js'
import { freshPostgresSchema } from '../helpers/postgres.js'

const backends: Record<string, (t: Test) => Promise<EventStore | null>> = {
  sqlite: async (t) => createSqlEventStore(openSqliteClient(join(temporaryDir(t), 'events.sqlite'))),
  postgres: async (t) => {
    const url = await freshPostgresSchema(t)
    return url === null ? null : createSqlEventStore(openPostgresClient(url))
  }
}

const t0 = 1764244800

function storedEvent (id: string, type: string, created: number, objectId: string | null = 'sub_1'): NewEvent {
  return {
    id,
    type,
    account: null,
    livemode: false,
    apiVersion: null,
    created,
    receivedAt: Date.now(),
    objectId,
    source: 'webhook',
    payload: Buffer.from(JSON.stringify({ id }))
  }
}

/** Stores the event and settles it handled the way a worker does: claimed at insert, then its run's end recorded. */
async function storeHandled (store: EventStore, event: NewEvent): Promise<void> {
  const now = Date.now()
  await store.insert(event, { status: 'processing', owner: 'test#1', leaseExpiresAt: now + 60_000 })
  await store.finishAttempt({ eventId: event.id, attempt: 1, worker: 'test#1', startedAt: now, finishedAt: now, outcome: 'handled', error: null }, { status: 'handled' })
}

test('routedTypes: a pattern takes what it matches, less what a more specific mounted pattern takes', async (t) => {
  const mounted = ['*', 'customer.*', 'customer.subscription.*', 'customer.subscription.deleted', 'invoice.paid']
  t.same(routedTypes('customer.subscription.*', mounted), { pattern: 'customer.subscription.*', except: ['customer.subscription.deleted'] })
  t.same(routedTypes('customer.*', mounted), { pattern: 'customer.*', except: ['customer.subscription.*', 'customer.subscription.deleted'] })
  t.same(routedTypes('*', mounted).except, ['customer.*', 'customer.subscription.*', 'customer.subscription.deleted', 'invoice.paid'])
  t.same(routedTypes('invoice.paid', mounted).except, [], 'an exact type is the most specific')
})

for (const [backend, open] of Object.entries(backends)) {
  test(`${backend}: only a handled event of the same object, strictly later, of a type routed to the same handler counts`, async (t) => {
    const store = await open(t)
    if (store === null) return
    t.teardown(() => store.close())
    await store.migrate()
    const mounted = ['customer.subscription.*', 'customer.subscription.deleted', 'payment_intent.*']
    const subscriptions = routedTypes('customer.subscription.*', mounted)
    await storeHandled(store, storedEvent('evt_same_second', 'customer.subscription.updated', t0 + 5))
    t.equal(await store.newestHandledAfter('sub_1', t0 + 5, subscriptions), null, 'the same second is never later')

    await store.insert(storedEvent('evt_pending_later', 'customer.subscription.updated', t0 + 30), { status: 'pending' })
    await storeHandled(store, storedEvent('evt_other_object', 'customer.subscription.updated', t0 + 40, 'sub_2'))
    await storeHandled(store, storedEvent('evt_other_handler', 'customer.subscription.deleted', t0 + 50))
    t.equal(await store.newestHandledAfter('sub_1', t0 + 5, subscriptions), null, 'not pending, another object, nor another file\'s type')

    await storeHandled(store, storedEvent('evt_later', 'customer.subscription.updated', t0 + 10))
    await storeHandled(store, storedEvent('evt_latest', 'customer.subscription.paused', t0 + 20))
    t.same(await store.newestHandledAfter('sub_1', t0 + 5, subscriptions), { id: 'evt_latest', type: 'customer.subscription.paused', created: t0 + 20 })
    t.same(await store.newestHandledAfter('sub_1', t0 + 50, subscriptions), null)

    // `_` is a LIKE wildcard: a prefix must compare as text, so `paymentXintent.*` is no payment_intent.
    await storeHandled(store, storedEvent('evt_lookalike', 'paymentXintent.succeeded', t0 + 10, 'pi_1'))
    t.equal(await store.newestHandledAfter('pi_1', t0, routedTypes('payment_intent.*', mounted)), null)
  })
}
