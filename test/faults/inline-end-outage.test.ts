// Inline mode, a retried delivery while the first one's run is still recording its end: the handler
// finished while another process held the SQLite file's write lock, so the end could not be written,
// and the run's one-second lease ran out meanwhile. Stripe's retry must not start a second run,
// though the store alone would let it claim the event: it is told to retry later (409), the first
// delivery's run records its end once the lock is gone, and the handler has run once.
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { test } from 'tap'
import { buildApp, deliver, handlerFolder, paymentIntentSucceeded, temporaryDir } from '../helper.js'
import { sleep, waitFor } from '../helpers/runs-kit.js'
import { completedEventIds, startedEventIds } from '../fixtures/handler-folders/slow/payment_intent.succeeded.js'

test('inline: a retry while the first run records its end after an outage answers 409 and does not run the handler again', async (t) => {
  startedEventIds.length = 0
  completedEventIds.length = 0
  const dataDir = temporaryDir(t)
  const { app, logs } = await buildApp(t, {
    env: { DATA_DIR: dataDir, PROCESSING_MODE: 'inline', LEASE_SECONDS: '1', SQLITE_LOCK_TIMEOUT_MS: '50', POLL_INTERVAL_MS: '60000' },
    handlersDir: handlerFolder('slow')
  })
  const event = paymentIntentSucceeded('evt_inline_end_outage', { delay_ms: '300' })
  const first = deliver(app, event)
  t.ok(await waitFor(() => startedEventIds.includes(event.id), 5000), 'the first delivery\'s run started')

  const locker = new Database(join(dataDir, 'events.sqlite'))
  t.teardown(() => { if (locker.open) locker.close() })
  locker.exec('BEGIN EXCLUSIVE')
  // The handler ends 300 ms into its run; its lease (1 s) runs out while the end cannot be written.
  // The end's retries come about 0.35, 0.45, 0.65, 1.05, 1.85 and 3.45 s into the run: released
  // halfway between the last two, the retry below is answered before the end is recorded.
  await sleep(2500)
  locker.exec('COMMIT')
  locker.close()

  const retried = await deliver(app, event)
  t.equal(retried.statusCode, 409, 'the retry is told to come back once the event is settled')
  t.equal(retried.json().code, 'EVENT_IN_PROGRESS')
  t.equal((await first).statusCode, 200, 'the first delivery is answered once its end is recorded')
  t.same(completedEventIds, [event.id], 'the handler ran once')
  t.match(await app.eventInbox.store?.get(event.id), { status: 'handled', attempts: 1 })
  t.ok(logs.some((line) => line.eventId === event.id && line.msg === 'Could not record the end of a run; keeping its lease and retrying until the store answers'),
    'recording the end really failed while the lock was held')

  t.equal((await deliver(app, event)).statusCode, 200, 'Stripe\'s next retry is acknowledged as a duplicate')
  t.same(completedEventIds, [event.id], 'and does not run the handler either')
})
