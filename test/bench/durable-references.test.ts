// The benchmark's durable references must do what the targets are measured against: store every
// verified event (id and raw payload) before its 200, and refuse a bad signature without storing it.
// A reference that answered without storing would make the router's ratio to it meaningless.
// The least durable inbox must also run its handler once per stored event and record each end.
import { join } from 'node:path'
import Database from 'better-sqlite3'
import Stripe from 'stripe'
import t from 'tap'
import { startServer, type ServerKind } from '../../bench/lib/servers.js'
import { benchSecret } from '../../bench/lib/wrk.js'

const references: Array<[string, ServerKind]> = [['the durable floor', 'verify-floor'], ['the Express sample with SQLite', 'express-sample']]

for (const [name, kind] of references) {
  t.test(`${name} stores each verified event before its 200 and refuses a bad signature unstored`, async (t) => {
    const server = await startServer({ kind, env: { REFERENCE_STORE: 'sqlite' } })
    t.teardown(async () => { await server.stop() })
    const payloads = Array.from({ length: 25 }, (_, index) => JSON.stringify({ id: `evt_reference_${index}`, object: 'event', type: 'payment_intent.succeeded', data: { object: {} } }))
    const post = async (payload: string, signature: string): Promise<number> => (await fetch(`${server.url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload
    })).status
    // Concurrent, so that the durable floor commits several in one event-loop turn.
    const statuses = await Promise.all(payloads.map(async (payload) => await post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: benchSecret }))))
    t.same(statuses, payloads.map(() => 200))
    const forged = JSON.stringify({ id: 'evt_reference_forged', object: 'event', type: 'payment_intent.succeeded', data: { object: {} } })
    t.equal(await post(forged, Stripe.webhooks.generateTestHeaderString({ payload: forged, secret: 'whsec_not_the_endpoints' })), 400)

    const db = new Database(join(server.dataDir, 'reference.sqlite'), { readonly: true })
    const rows = db.prepare('SELECT id, CAST(payload AS TEXT) AS payload FROM events ORDER BY id').all() as Array<{ id: string, payload: string }>
    db.close()
    t.same(rows, payloads.map((payload) => ({ id: (JSON.parse(payload) as { id: string }).id, payload })).sort((a, b) => a.id.localeCompare(b.id)))
  })
}

t.test('the least durable inbox runs its handler once per stored event after the 200 and records each end durably', async (t) => {
  const server = await startServer({ kind: 'verify-floor', env: { REFERENCE_STORE: 'sqlite', REFERENCE_SETTLE: '1' } })
  t.teardown(async () => { await server.stop() })
  const payloads = Array.from({ length: 25 }, (_, index) => JSON.stringify({ id: `evt_least_inbox_${index}`, object: 'event', type: 'payment_intent.succeeded', data: { object: {} } }))
  const post = async (payload: string, signature: string): Promise<number> => (await fetch(`${server.url}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload
  })).status
  const signed = (payload: string, secret = benchSecret): string => Stripe.webhooks.generateTestHeaderString({ payload, secret })
  // Concurrent, so that several inserts, and then several ends, share a commit.
  t.same(await Promise.all(payloads.map(async (payload) => await post(payload, signed(payload)))), payloads.map(() => 200))
  // Redelivered, in the same turn as new events and after the first ends: stored once, run once.
  const again = payloads.slice(0, 10)
  t.same(await Promise.all(again.map(async (payload) => await post(payload, signed(payload)))), again.map(() => 200))
  const forged = JSON.stringify({ id: 'evt_least_inbox_forged', object: 'event', type: 'payment_intent.succeeded', data: { object: {} } })
  t.equal(await post(forged, signed(forged, 'whsec_not_the_endpoints')), 400)

  let counts = await server.storeCounts()
  for (let tries = 0; tries < 100 && counts?.handled !== payloads.length; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    counts = await server.storeCounts()
  }
  t.same(counts, { stored: 25, handled: 25, runs: 25 }, 'every stored event run once and its end recorded')
  const db = new Database(join(server.dataDir, 'reference.sqlite'), { readonly: true })
  const rows = db.prepare('SELECT id, CAST(payload AS TEXT) AS payload, handled_at FROM events ORDER BY id').all() as Array<{ id: string, payload: string, handled_at: number | null }>
  db.close()
  t.same(rows.map(({ id, payload }) => ({ id, payload })), payloads.map((payload) => ({ id: (JSON.parse(payload) as { id: string }).id, payload })).sort((a, b) => a.id.localeCompare(b.id)))
  t.ok(rows.every((row) => typeof row.handled_at === 'number'), 'each row holds the time its end was recorded')
})
