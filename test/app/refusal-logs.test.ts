// Refusal lines stay useful under attack and outage: rate-limited per code with a count of what was
// left out, the signature diagnosis only for lines written, and a delivery refused because the store
// is down is one line with its event id and code.
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { test } from 'tap'
import { buildApp, deliver, paymentIntentSucceeded, temporaryDir, type LogLine } from '../helper.js'

const linesOf = (logs: LogLine[], reqId: unknown): LogLine[] => logs.filter((line) => line.reqId === reqId)

test('a flood of forged deliveries writes a bounded number of lines, then one line counting the rest', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = paymentIntentSucceeded('evt_forged_flood')
  const sent = 150
  const statuses = new Set<number>()
  for (let index = 0; index < sent; index++) statuses.add((await deliver(app, event, { secret: 'whsec_forger' })).statusCode)
  t.same([...statuses], [400], 'every forged delivery refused')
  const refusals = logs.filter((line) => line.reason === 'INVALID_SIGNATURE')
  t.equal(refusals.length, 20, 'the first 20 of the window are written')
  t.ok(refusals.every((line) => typeof line.likelyCause === 'string'), 'each written one is diagnosed')
  t.equal(logs.filter((line) => line.msg === 'Stripe delivery answered').length, 0, 'and not a second line per refusal')
  await app.close()
  const summary = logs.find((line) => line.suppressed !== undefined)
  t.match(summary, { level: 40, code: 'INVALID_SIGNATURE', suppressed: sent - 20, msg: /^130 more INVALID_SIGNATURE refusals were not logged/ })
  const bytes = logs.reduce((total, line) => total + JSON.stringify(line).length + 1, 0)
  t.comment(`${sent} forged deliveries: ${logs.length} log lines, ${bytes} bytes (${(bytes / sent).toFixed(0)} bytes per delivery)`)
})

test('each code has its own allowance: a flood of one does not hide another', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = paymentIntentSucceeded('evt_two_codes')
  for (let index = 0; index < 40; index++) await deliver(app, event, { signature: 'garbage' })
  await deliver(app, event, { secret: 'whsec_forger' })
  t.equal(logs.filter((line) => line.reason === 'MALFORMED_SIGNATURE_HEADER').length, 20)
  t.equal(logs.filter((line) => line.reason === 'INVALID_SIGNATURE').length, 1, 'the other code is still written')
})

test('a delivery refused while the store is locked is one line, with its event id and code', async (t) => {
  const dataDir = temporaryDir(t)
  const { app, logs } = await buildApp(t, { env: { DATA_DIR: dataDir } })
  // Another process's write transaction holds the file: a real SQLite lock, not a mock.
  const holder = new Database(join(dataDir, 'events.sqlite'))
  t.teardown(() => holder.close())
  holder.exec('BEGIN EXCLUSIVE')
  const startedAt = Date.now()
  const response = await deliver(app, paymentIntentSucceeded('evt_store_locked'))
  const waited = Date.now() - startedAt
  holder.exec('ROLLBACK')
  t.equal(response.statusCode, 503)
  t.equal(response.json().code, 'STORE_UNAVAILABLE')
  const reqId = logs.find((line) => line.eventId === 'evt_store_locked')?.reqId
  const lines = linesOf(logs, reqId)
  t.equal(lines.length, 1, 'one line for the refused delivery')
  t.match(lines[0], { level: 50, eventId: 'evt_store_locked', eventType: 'payment_intent.succeeded', code: 'STORE_UNAVAILABLE', statusCode: 503 })
  t.notOk(JSON.stringify(lines).includes('"stack"'), 'no stack')
  t.equal((await deliver(app, paymentIntentSucceeded('evt_store_locked'))).statusCode, 200, 'taken once the lock is gone')
  t.comment(`sent 2, 2xx 1, refused 1 (503 after ${waited} ms waiting for the lock), lines for the refusal ${lines.length}`)
})
