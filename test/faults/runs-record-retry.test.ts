// A known success is recorded, not repeated: the handler finishes while another process holds the
// SQLite file's write lock (BEGIN EXCLUSIVE), so recording the run's end fails. The instance keeps
// the lease and retries until the store answers: the side effect happens once, the event ends
// handled, and the attempt history has the run.
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { test } from 'tap'
import { temporaryDir } from '../helper.js'
import { exited, post, startServer } from '../helpers/server-process.js'
import { countAnswer, effectEvent, reportFigures, sideEffectsHandlers, sleep, storeOf, waitFor } from '../helpers/runs-kit.js'

// Longer than twice the server's SQLite busy wait (5 s until SQLITE_LOCK_TIMEOUT_MS bounds it shorter),
// which holds its event loop: the delivery's insert waits it out first, then the end's write, and
// that one must really fail at least once instead of waiting the lock out.
const lockMs = 12_000

test('the end of a successful run is recorded once the store takes writes again, not run a second time', async (t) => {
  const dataDir = temporaryDir(t)
  const effectsFile = join(dataDir, 'effects')
  // No poll: its claims would be writes waiting on the same lock, in an order of their own.
  const server = await startServer({ DATA_DIR: dataDir, HANDLERS_DIR: sideEffectsHandlers, LEASE_SECONDS: '30', POLL_INTERVAL_MS: '60000' })
  t.teardown(() => server.child.kill('SIGKILL'))
  const answers: Record<string, number> = {}
  const event = effectEvent('evt_record_retry', effectsFile, { delay_ms: '800' })
  const during = effectEvent('evt_during_lock', effectsFile)
  countAnswer(answers, await post(server.url, event))
  t.equal(answers[200], 1, 'stored and acknowledged before the lock')

  const locker = new Database(join(dataDir, 'events.sqlite'))
  t.teardown(() => { if (locker.open) locker.close() })
  locker.exec('BEGIN EXCLUSIVE')
  // A delivery while the lock is held: not stored, so not a 2xx.
  const duringAnswer = post(server.url, during)
  await sleep(lockMs)
  locker.exec('COMMIT')
  locker.close()
  const unlockedAt = Date.now()
  const refused = await duringAnswer
  countAnswer(answers, refused)
  t.not(refused, 200, `a delivery while the store cannot write is refused (${refused})`)
  // Stripe redelivers what got no 2xx.
  const redelivered = await post(server.url, during)
  countAnswer(answers, redelivered)

  const store = await storeOf(t, { dataDir })
  t.ok(await waitFor(async () => (await store.get(event.id))?.status === 'handled', 15_000), 'the event ends handled')
  const recoveredMs = Date.now() - unlockedAt
  const ids = [event.id, during.id]
  await waitFor(async () => (await store.get(during.id))?.status === 'handled', 5000)
  const effects = await reportFigures(t, store, ids, effectsFile, {
    sent: 3, acknowledged: answers[200] ?? 0, answers, recovery: `end recorded ${recoveredMs} ms after the lock was released`
  })
  t.equal(effects.get(event.id), 1, 'the side effect happened once')
  t.match(await store.get(event.id), { status: 'handled', attempts: 1 })
  t.same((await store.attempts(event.id)).map((attempt) => [attempt.attempt, attempt.outcome]), [[1, 'handled']], 'the history has the run, once')
  t.equal(effects.get(during.id), 1, 'the delivery refused during the lock is handled once, from its redelivery')
  const lines = server.logs.filter((line) => line.eventId === event.id)
  t.ok(lines.some((line) => line.msg === 'Could not record the end of a run; keeping its lease and retrying until the store answers'), 'recording the end failed while the lock was held')
  t.ok(await waitFor(() => server.logs.some((line) => line.eventId === event.id && line.msg === 'Recorded the end of a run once the store answered again'), 2000), 'and was recorded once it was released')
  t.notOk(server.logs.some((line) => String(line.msg).includes('Suspected duplicate')))

  server.child.kill('SIGTERM')
  t.equal(await exited(server.child), 0)
})
