// The operator's commands, run against a store that a real app filled through signed deliveries,
// on SQLite and PostgreSQL, and once as a child process to prove what goes to stdout and stderr.
import { execFile } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import pg from 'pg'
import { test } from 'tap'
import { runEventsCommand } from '../../src/cli/events-command.js'
import { buildApp, deliver, handlerFolder, loadFixture, paymentIntentSucceeded, settle, temporaryDir } from '../helper.js'
import { backendEnv, backends, freshPostgresSchema, type Backend } from '../helpers/postgres.js'
import { completedEventIds, runsByEvent } from '../fixtures/handler-folders/flaky/payment_intent.succeeded.js'

interface Ran {
  code: number
  out: string
  err: string
}

async function run (argv: string[], env: Record<string, string>): Promise<Ran> {
  const out: string[] = []
  const err: string[] = []
  const code = await runEventsCommand(argv, { env, out: (line) => out.push(line), err: (line) => err.push(line) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

// Two events about one customer, delivered newest first, as Stripe may.
function customerEvent (id: string, type: string, created: number): object {
  const event = loadFixture('customer.created') as unknown as Record<string, unknown>
  return { ...event, id, type, created }
}

// a1's receive path records later deliveries; until it is merged, one is written as it would write it.
async function recordLaterDelivery (backend: Backend, env: Record<string, string>, eventId: string, receivedAt: number): Promise<void> {
  const sql = 'INSERT INTO stripe_event_deliveries (event_id, received_at, kind, type, object_id) VALUES ($1, $2, $3, $4, $5)'
  const params = [eventId, receivedAt, 'duplicate', 'payment_intent.succeeded', 'pi_3QxK2vLkdIwHu7ix0mJ8a2Tb']
  if (backend === 'sqlite') {
    const db = new Database(join(env.DATA_DIR as string, 'events.sqlite'))
    db.prepare(sql.replace(/\$\d/g, '?')).run(...params)
    db.close()
    return
  }
  const client = new pg.Client({ connectionString: env.DATABASE_URL })
  await client.connect()
  await client.query(sql, params)
  await client.end()
}

for (const backend of backends) {
  test(`${backend}: list, show, replay and prune tell the truth about a store the service filled`, async (t) => {
    const storeEnv = await backendEnv(t, backend)
    if (storeEnv === null) return
    runsByEvent.clear()
    completedEventIds.length = 0
    const env: Record<string, string> = { ...storeEnv, DATA_DIR: temporaryDir(t), MAX_ATTEMPTS: '1', POLL_INTERVAL_MS: '10' }
    const { app } = await buildApp(t, { env, handlersDir: handlerFolder('flaky') })
    await deliver(app, paymentIntentSucceeded('evt_cli_ok'))
    await deliver(app, paymentIntentSucceeded('evt_cli_fails_once', { failures: '1' }))
    await deliver(app, { ...paymentIntentSucceeded('evt_cli_connect'), account: 'acct_1CliConnect', livemode: true })
    await deliver(app, customerEvent('evt_cus_updated', 'customer.updated', 1764244900))
    await deliver(app, customerEvent('evt_cus_created', 'customer.created', 1764244785))
    await settle(app)

    const listed = await run(['list'], env)
    t.equal(listed.code, 0)
    t.equal(listed.err, `Event store: ${backend === 'sqlite' ? `SQLite ${join(env.DATA_DIR as string, 'events.sqlite')}` : `PostgreSQL ${env.DATABASE_URL as string}`}`,
      'stderr names the store opened, and nothing else')
    t.match(listed.out, /^RECEIVED\s+STATUS\s+TRIES\s+MODE\s+ACCOUNT\s+TYPE\s+ID\s+LAST ERROR$/m)
    t.match(listed.out, /failed\s+1\s+test\s+-\s+payment_intent\.succeeded\s+evt_cli_fails_once\s+Error: planned failure 1 of 1$/m)
    t.match(listed.out, /handled\s+1\s+live\s+acct_1CliConnect\s+payment_intent\.succeeded\s+evt_cli_connect\s+-$/m)

    const cut = await run(['list', '--limit', '2'], env)
    t.equal(cut.out.split('\n').length, 3, 'a header and two events')
    t.match(cut.err, /\nOnly the first 2 matching events are shown; more match/, 'a cut list says so')
    t.notMatch(listed.err, /Only the first/)

    const failedOnly = await run(['list', '--status', 'failed', '--json'], env)
    const [failedJson] = failedOnly.out.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    t.match(failedJson, { id: 'evt_cli_fails_once', handledAt: null, nextAttemptAt: null, account: null, livemode: false, objectId: 'pi_3QxK2vLkdIwHu7ix0mJ8a2Tb', source: 'webhook' })
    t.notOk(Object.values(failedJson ?? {}).includes('-'), 'no placeholder stands for an absent value in JSON')

    const history = await run(['list', '--object', 'cus_RqZ8m3kP2wLx9A'], env)
    t.match(history.out, /^CREATED\s+STATUS/)
    t.same(history.out.split('\n').slice(1).map((line) => /evt_\w+/.exec(line)?.[0]), ['evt_cus_created', 'evt_cus_updated'],
      'an object\'s events in Stripe\'s created order, though delivered the other way round')

    await recordLaterDelivery(backend, env, 'evt_cli_fails_once', Date.now())
    const shown = await run(['show', 'evt_cli_fails_once'], env)
    t.equal(shown.code, 0)
    t.match(shown.out, /^id {12}evt_cli_fails_once\ntype {10}payment_intent\.succeeded\nstatus {8}failed\nobject {8}pi_3QxK2vLkdIwHu7ix0mJ8a2Tb\n/, 'fields aligned')
    t.match(shown.out, /\nhandled {7}-\n/)
    t.match(shown.out, /\nAttempts\n {2}#\s+STARTED\s+OUTCOME\s+DURATION\s+ERROR\n {2}1\s+\d{4}-\S+Z\s+failed\s+\d+ ms\s+Error: planned failure 1 of 1\n/)
    t.match(shown.out, /\nDeliveries\n {2}RECEIVED\s+KIND\s+TYPE\s+OBJECT\n {2}\S+Z\s+first \(webhook\)\s+payment_intent\.succeeded\s+pi_\w+\n {2}\S+Z\s+duplicate\s+payment_intent\.succeeded\s+pi_\w+$/)
    t.match(JSON.parse((await run(['show', 'evt_cli_ok', '--payload', '--json'], env)).out), { handledAt: String, payload: { id: 'evt_cli_ok', type: 'payment_intent.succeeded' } })
    const missing = await run(['show', 'evt_nope'], env)
    t.same([missing.code, missing.out], [1, ''])
    t.match(missing.err, /No event evt_nope is stored\./)

    const handled = await run(['replay', 'evt_cli_ok'], env)
    t.equal(handled.code, 3, 'some events not replayed: exit code 3')
    t.equal(handled.out, 'Requeued 0 events.\nNot requeued: 1 matched but is already handled; add --force to run the handler again: evt_cli_ok.')
    const unknownAndUnhandled = await run(['replay', 'evt_nope', 'evt_cus_created'], env)
    t.equal(unknownAndUnhandled.code, 3)
    t.match(unknownAndUnhandled.out, /^Requeued 1 event: evt_cus_created\.\nNot requeued: 1 is not stored \(unknown id\): evt_nope\./,
      'an unhandled event replays without --force; an unknown id is named as such')

    const failed = await run(['replay', '--failed'], env)
    t.same([failed.code, failed.out.split('\n')[0]], [0, 'Requeued 1 event: evt_cli_fails_once.'])
    await settle(app)
    t.equal(runsByEvent.get('evt_cli_fails_once'), 2, 'the replayed event went through its handler once more, though MAX_ATTEMPTS=1 was spent')
    t.match(JSON.parse((await run(['show', 'evt_cli_fails_once', '--json'], env)).out), {
      status: 'handled',
      attempts: 2,
      attemptsAtRequeue: 1,
      lastError: null,
      attemptHistory: [{ attempt: 1, outcome: 'failed' }, { attempt: 2, outcome: 'handled' }]
    }, 'attempt numbers go on after a replay')
    t.match((await run(['show', 'evt_cli_fails_once'], env)).out, /attempts {6}2 \(1 since the last requeue\)/)

    const byType = await run(['replay', '--type', 'payment_intent.succeeded', '--since', '1h'], env)
    t.equal(byType.code, 3)
    t.match(byType.out, /^Requeued 0 events\.\nNot requeued: 3 matched but are already handled; add --force/)
    t.match((await run(['replay', 'evt_cli_ok', '--force'], env)).out, /Requeued 1 event: evt_cli_ok/)
    await settle(app)
    t.equal(runsByEvent.get('evt_cli_ok'), 2, 'a forced replay runs a handled event again')

    const dryRun = await run(['prune', '--older-than', '0s', '--dry-run'], env)
    t.match(dryRun.out, /^Would prune 5 settled events received before \S+Z \(handled 3, unhandled 2\); nothing was deleted \(--dry-run\)\.$/)
    t.match((await run(['stats'], env)).out, /handled\s+3\nunhandled\s+2/, 'a dry run deletes nothing')
    t.equal((await run(['prune', '--older-than', '0s'], env)).out, 'Pruned 5 settled events.')
  })
}

test('an event the LIVEMODE guard ignored replays only with --force, and then runs its handler', async (t) => {
  runsByEvent.clear()
  const env = { DATA_DIR: temporaryDir(t), LIVEMODE: 'live', POLL_INTERVAL_MS: '10' }
  const { app } = await buildApp(t, { env, handlersDir: handlerFolder('flaky') })
  await deliver(app, paymentIntentSucceeded('evt_cli_test_mode'))
  await settle(app)
  const refused = await run(['replay', 'evt_cli_test_mode'], env)
  t.equal(refused.code, 3)
  t.match(refused.out, /Not requeued: 1 matched but is ignored by the LIVEMODE guard; add --force to run the handler anyway: evt_cli_test_mode\./)
  t.equal(runsByEvent.get('evt_cli_test_mode'), undefined)
  t.equal((await run(['replay', 'evt_cli_test_mode', '--force'], env)).code, 0)
  await settle(app)
  t.equal(runsByEvent.get('evt_cli_test_mode'), 1, 'forced, it ran once')
})

test('sqlite: a mistyped DATA_DIR or an empty file is refused, named, and left uncreated', async (t) => {
  const dir = temporaryDir(t)
  const mistyped = join(dir, 'dta')
  const refused = await run(['list', '--status', 'failed'], { DATA_DIR: mistyped })
  t.equal(refused.code, 1)
  t.equal(refused.out, '', 'no "No events match." to mistake for an all-clear')
  t.match(refused.err, `No event store at ${join(mistyped, 'events.sqlite')} (no such file): check DATA_DIR`)
  t.notOk(existsSync(mistyped), 'nothing was created')

  writeFileSync(join(dir, 'events.sqlite'), '')
  const empty = await run(['stats'], { DATA_DIR: dir })
  t.equal(empty.code, 1)
  t.match(empty.err, /it holds no stripe_events table/)
})

test('postgres: a database without the store is refused and left so; the URL is named with its password hidden', async (t) => {
  const url = await freshPostgresSchema(t)
  if (url === null) return
  const withPassword = new URL(url)
  withPassword.password = 'hunter2secret'
  const env = { DATABASE_URL: withPassword.toString() }
  const refused = await run(['list'], env)
  t.equal(refused.code, 1)
  t.match(refused.err, /^Event store: PostgreSQL postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/)
  t.match(refused.err, /No event store at postgres:\/\/postgres:\*\*\*@\S+ \(it holds no stripe_events table\): check DATABASE_URL/)
  t.notMatch(refused.err, /hunter2secret/)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(async () => { await client.end() })
  t.same((await client.query("SELECT to_regclass('stripe_events') AS t")).rows, [{ t: null }], 'the command created no table')

  const { app } = await buildApp(t, { env })
  await app.close()
  const opened = await run(['stats'], env)
  t.equal(opened.code, 0, 'once the service created it, the store opens')
  t.notMatch(opened.err + opened.out, /hunter2secret/)
})

test('bad commands answer on stderr with what was wrong and the usage, exit 2, before any store is looked for', async (t) => {
  const env = { DATA_DIR: join(temporaryDir(t), 'none-here') }
  const cases: Array<[string[], RegExp]> = [
    [[], /Which command\?\n\nUsage: npm run events/],
    [['frobnicate'], /Unknown command "frobnicate"/],
    [['list', '--status', 'lost'], /--status must be one of pending, processing, handled, unhandled, ignored, failed/],
    [['list', '--since', 'yesterday'], /"yesterday" is neither an ISO date nor an age/],
    [['list', '--limit', '0'], /--limit must be a whole number/],
    [['list', '--colour'], /Unknown option '--colour'/],
    [['show'], /show needs an event id/],
    [['replay'], /replay needs event ids, --failed, or --type with --since/],
    [['prune'], /prune needs --older-than/]
  ]
  for (const [argv, message] of cases) {
    const { code, out, err } = await run(argv, env)
    t.same([code, out], [2, ''], argv.join(' '))
    t.match(err, message, argv.join(' '))
    t.match(err, /Exit codes:/)
  }
  const help = await run(['--help'], env)
  t.same([help.code, help.err], [0, ''])
  t.match(help.out, /Exit codes:\n {2}0 {2}done\n {2}1 {2}failed/)
  const none = await run(['stats'], { ...env, EVENT_STORE: 'none' })
  t.same([none.code, none.err], [1, 'Error: EVENT_STORE=none: there is no event store to read'])
})

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))

async function runChild (argv: string[], env: Record<string, string>): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return await new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/events.ts', ...argv], { cwd: projectRoot, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => { resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr }) })
  })
}

test('as a process: results on stdout, the store and errors on stderr, documented exit codes', async (t) => {
  const dataDir = temporaryDir(t)
  const { app } = await buildApp(t, { env: { DATA_DIR: dataDir } })
  await deliver(app, loadFixture('customer.created'))
  await app.close()

  const listed = await runChild(['list', '--json'], { DATA_DIR: dataDir })
  t.equal(listed.code, 0)
  t.match(JSON.parse(listed.stdout), { id: 'evt_1QxK2tLkdIwHu7ixKb4e9Wma', status: 'unhandled', handledAt: null })
  t.equal(listed.stderr, `Event store: SQLite ${join(dataDir, 'events.sqlite')}\n`)

  const replayed = await runChild(['replay', 'evt_missing'], { DATA_DIR: dataDir })
  t.equal(replayed.code, 3)
  t.match(replayed.stdout, /Not requeued: 1 is not stored \(unknown id\): evt_missing/)

  const missing = await runChild(['stats'], { DATA_DIR: join(dataDir, 'typo') })
  t.same([missing.code, missing.stdout], [1, ''])
  t.match(missing.stderr, /Error: No event store at .*typo.*events\.sqlite/)

  const usage = await runChild(['list', '--colour'], { DATA_DIR: dataDir })
  t.same([usage.code, usage.stdout], [2, ''])
  t.match(usage.stderr, /Unknown option '--colour'/)
})
