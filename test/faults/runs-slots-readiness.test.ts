// Readiness tells the truth about runs that cannot end: while a handler's end has waited longer than
// HANDLER_TIMEOUT_MS to be recorded (stuck behind another session's table lock on a PostgreSQL
// schema of the test's own), /readyz is 503 and says why; once the end is recorded, 200. (Every slot
// busy with a hung handler is runs-hang.test.ts's.)
import pg from 'pg'
import { test } from 'tap'
import { deliver } from '../helper.js'
import { firstUnreadyBody, oneSlotPostgresApp } from '../helpers/one-slot-postgres.js'
import { effectEvent, reportFigures, waitFor } from '../helpers/runs-kit.js'

test('a run\'s end unrecorded past HANDLER_TIMEOUT_MS: /readyz is 503 with the reason, and 200 once it is recorded', async (t) => {
  const setUp = await oneSlotPostgresApp(t)
  if (setUp === null) return
  const { url, app, effectsFile } = setUp
  const locker = new pg.Client({ connectionString: url })
  await locker.connect()
  t.teardown(async () => { await locker.query('ROLLBACK').catch(() => {}); await locker.end() })

  const event = effectEvent('evt_stuck_slot', effectsFile, { delay_ms: '50' })
  const answers: Record<string, number> = {}
  await locker.query('BEGIN')
  // Only the history table: deliveries and claims go on, but no run's end can be written.
  await locker.query('LOCK TABLE stripe_event_attempts IN ACCESS EXCLUSIVE MODE')
  const delivered = await deliver(app, event)
  answers[delivered.statusCode] = 1
  t.equal(delivered.statusCode, 200)
  const lockedAt = Date.now()

  const unready = await firstUnreadyBody(app)
  t.not(unready, undefined, '/readyz turns 503')
  const unreadyAfterMs = Date.now() - lockedAt
  t.match(unready, { slots: 'unavailable: a handler\'s end has waited more than HANDLER_TIMEOUT_MS (300 ms) to be recorded in the store' })
  t.ok(unreadyAfterMs >= 250, `not before the timeout (${unreadyAfterMs} ms)`)

  await locker.query('ROLLBACK')
  const releasedAt = Date.now()
  t.ok(await waitFor(async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 3000), '/readyz is 200 again once the end is recorded')
  const store = app.eventInbox.store
  if (store === null) throw new Error('no store')
  t.ok(await waitFor(async () => (await store.get(event.id))?.status === 'handled', 3000), 'the event ends handled')
  const effects = await reportFigures(t, store, [event.id], effectsFile, {
    sent: 1, acknowledged: 1, answers, recovery: `unready ${unreadyAfterMs} ms into the stuck slot, ready ${Date.now() - releasedAt} ms after the lock went`
  })
  t.equal(effects.get(event.id), 1, 'handled once')
})
