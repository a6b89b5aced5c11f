// The real server, killed with SIGKILL in the middle of a stream of signed events, then restarted on
// the same SQLite file: every event that got a 2xx is handled, and none twice, by the store's record.
import { join } from 'node:path'
import { test } from 'tap'
import type Stripe from 'stripe'
import { createSqlEventStore } from '../../src/store/sql-event-store.js'
import { openSqliteClient } from '../../src/store/sqlite-client.js'
import { handlerFolder, loadFixture, temporaryDir } from '../helper.js'
import { exited, post, startServer, type ServerProcess } from '../helpers/server-process.js'

async function startCrashServer (dataDir: string): Promise<ServerProcess> {
  return await startServer({ DATA_DIR: dataDir, HANDLERS_DIR: handlerFolder('crash'), LEASE_SECONDS: '1', POLL_INTERVAL_MS: '50' })
}

test('SIGKILL mid-stream, then restart: every acknowledged event is handled exactly once', async (t) => {
  const dataDir = temporaryDir(t)
  const template = loadFixture<Stripe.PaymentIntentSucceededEvent>('payment_intent.succeeded')
  const events = Array.from({ length: 400 }, (_, index) => ({ ...template, id: `evt_crash_${index}` }))
  const acknowledged = new Set<string>()

  const first = await startCrashServer(dataDir)
  t.teardown(() => first.child.kill('SIGKILL'))
  let next = 0
  let killed = false
  // Eight senders in parallel, as Stripe's deliveries overlap; the kill lands after 150 answers.
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < events.length && !killed) {
      const event = events[next++] as Stripe.Event
      const status = await post(first.url, event)
      if (status === 200) acknowledged.add(event.id)
      if (acknowledged.size >= 150 && !killed) {
        killed = true
        first.child.kill('SIGKILL')
      }
    }
  }))
  await exited(first.child)
  t.ok(acknowledged.size >= 150, `${acknowledged.size} events acknowledged before the kill`)

  const second = await startCrashServer(dataDir)
  t.teardown(() => second.child.kill('SIGKILL'))
  // Stripe redelivers what got no 2xx; those are stored and handled too, once.
  for (const event of events.slice(0, next)) {
    if (!acknowledged.has(event.id) && (await post(second.url, event)) === 200) acknowledged.add(event.id)
  }

  const store = createSqlEventStore(openSqliteClient(join(dataDir, 'events.sqlite')))
  t.teardown(() => store.close())
  const deadline = Date.now() + 20_000
  for (;;) {
    const counts = await store.countByStatus()
    if (counts.pending + counts.processing === 0 || Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }

  const unsettled: string[] = []
  const handledTwice: string[] = []
  let interrupted = 0
  for (const id of acknowledged) {
    const event = await store.get(id)
    if (event?.status !== 'handled') unsettled.push(`${id}:${event?.status ?? 'missing'}`)
    const attempts = await store.attempts(id)
    if (attempts.filter((attempt) => attempt.outcome === 'handled').length !== 1) handledTwice.push(id)
    if ((event?.attempts ?? 0) > 1) interrupted++
  }
  t.same(unsettled, [], 'every acknowledged event is handled')
  t.same(handledTwice, [], 'no event is recorded as handled more than once')
  t.comment(`${acknowledged.size} acknowledged; ${interrupted} were taken over after the kill`)

  second.child.kill('SIGTERM')
  const exitCode = await exited(second.child)
  t.equal(exitCode, 0, 'SIGTERM exits cleanly')
})
