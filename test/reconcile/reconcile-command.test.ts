// `npm run events -- reconcile` as an operator runs it: the real CLI as a child process, against the
// fake Stripe API and a store a real service (built in the test) fills and drains, on both backends.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from 'tap'
import { freePort } from '../helpers/free-port.js'
import { runReconcileCommand } from '../../src/reconcile/reconcile-command.js'
import { FAKE_SECRET_KEY } from '../helpers/stripe-api-fake.js'
import { buildApp, deliver, handlerFolder, settle } from '../helper.js'
import { backendEnv, backends } from '../helpers/postgres.js'
import { sideEffectCounts } from '../helpers/side-effects.js'
import { createStore, fakeApiEnv, listedCustomerCreated, listedPaymentIntent, reconcileKit } from '../helpers/reconcile-kit.js'

const root = new URL('../../', import.meta.url)

interface CliRun { code: number, stdout: string, stderr: string }

async function reconcile (args: string[], env: Record<string, string>): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/events.ts', 'reconcile', ...args], {
      cwd: root, env: { PATH: process.env.PATH ?? '', ...env }
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number, stdout: string, stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

for (const backend of backends) {
  test(`${backend}: reconcile stores each missing event once, leaves stored ones alone, and the service runs each handler once`, async (t) => {
    const storeEnv = await backendEnv(t, backend)
    if (storeEnv === null) return
    const { fake, effects, env } = await reconcileKit(t, storeEnv)
    const { app } = await buildApp(t, { env, handlersDir: handlerFolder('side-effects') })
    const store = app.eventInbox.store!

    const delivered = listedPaymentIntent('evt_rc_delivered', effects, true)
    await deliver(app, delivered.event)
    await settle(app)
    const deliveredRow = await store.get('evt_rc_delivered')
    fake.events = [delivered, listedPaymentIntent('evt_rc_lost_1', effects), listedPaymentIntent('evt_rc_lost_2', effects), listedCustomerCreated('evt_rc_lost_customer')]
    const cliEnv = { ...env, ...fakeApiEnv(fake.port, FAKE_SECRET_KEY) }

    const dry = await reconcile(['--dry-run'], cliEnv)
    t.equal(dry.code, 0, dry.stderr)
    t.match(dry.stdout, /Listed 4 events created since .*: 1 already stored, 3 would be stored \(dry run: nothing stored\)/)
    t.equal(await store.get('evt_rc_lost_1'), null, 'a dry run stores nothing')

    const first = await reconcile([], cliEnv)
    t.equal(first.code, 0, first.stderr)
    t.match(first.stdout, /Listed 4 events created since .*: 1 already stored, 3 stored now\./)
    t.match(first.stdout, /A running service hands them to their handlers/)
    await settle(app)
    const reconciled = await store.get('evt_rc_lost_1')
    t.match(reconciled, { status: 'handled', source: 'reconcile', objectId: 'pi_evt_rc_lost_1', type: 'payment_intent.succeeded', livemode: false })
    t.same(JSON.parse(reconciled!.payload.toString('utf8')), fake.events[1]!.event, 'the stored body is the event as Stripe listed it')
    t.match(first.stderr, /^Event store: /, 'the store opened is named on stderr')
    t.match(await store.get('evt_rc_lost_customer'), { status: 'unhandled', source: 'reconcile' })
    t.same(await store.get('evt_rc_delivered'), deliveredRow, 'an event already stored is not touched')

    const second = await reconcile(['--since', '24h'], cliEnv)
    t.equal(second.code, 0, second.stderr)
    t.match(second.stdout, /Listed 4 events .*: 4 already stored, 0 stored now\./)
    await settle(app)
    t.same(Object.fromEntries(sideEffectCounts(effects)), { evt_rc_delivered: 1, evt_rc_lost_1: 1, evt_rc_lost_2: 1 }, 'each handler ran once')

    const queries = fake.eventListQueries.map((query) => Object.fromEntries(query))
    t.ok(queries.every((query) => query.limit === '100' && query['created[gte]'] !== undefined && query.delivery_success === undefined),
      'the command lists every event since --since, delivered or not')
    const output = [dry, first, second].map((run) => run.stdout + run.stderr).join('\n')
    t.notOk(output.includes(FAKE_SECRET_KEY), 'the key never appears in the output')
  })
}

test('reconcile passes --type and --since to Stripe as types[] and created[gte]', async (t) => {
  const { fake, effects, env: kitEnv } = await reconcileKit(t)
  fake.events = [listedPaymentIntent('evt_rc_typed', effects), listedCustomerCreated('evt_rc_other_type')]
  const lines: string[] = []
  const now = Date.now()
  const env = { ...kitEnv, ...fakeApiEnv(fake.port, FAKE_SECRET_KEY) }
  await createStore(t, kitEnv)
  const code = await runReconcileCommand(['--type', 'payment_intent.succeeded', '--type', 'invoice.paid', '--since', '2h'], { env, out: (line) => lines.push(line), now: () => now })
  t.equal(code, 0)
  t.match(lines.join('\n'), /Listed 1 event created since .*: 0 already stored, 1 stored now\.\nStored: evt_rc_typed/)
  const query = fake.eventListQueries[0]!
  t.same(query.getAll('types[0]').concat(query.getAll('types[1]')), ['payment_intent.succeeded', 'invoice.paid'])
  t.equal(query.get('created[gte]'), String(Math.floor((now - 2 * 3_600_000) / 1000)))
})

test('reconcile refuses what it cannot do, on stderr, with the CLI\'s exit codes and no key', async (t) => {
  const { fake, dir, env: kitEnv } = await reconcileKit(t)
  const run = async (args: string[], env: Record<string, string>): Promise<{ code: number, out: string, err: string }> => {
    const out: string[] = []
    const err: string[] = []
    const code = await runReconcileCommand(args, { env: { DATA_DIR: dir, ...env }, out: (line) => out.push(line), err: (line) => err.push(line) })
    return { code, out: out.join('\n'), err: err.join('\n') }
  }
  const withKey = fakeApiEnv(fake.port, FAKE_SECRET_KEY)
  const missing = await run([], withKey)
  t.equal(missing.code, 1)
  t.match(missing.err, /No event store at .*events\.sqlite \(no such file\): check DATA_DIR/)
  t.notOk(existsSync(join(dir, 'events.sqlite')), 'no store is created where none was')
  await createStore(t, kitEnv)
  const tooOld = await run(['--since', '31d'], withKey)
  t.equal(tooOld.code, 2)
  t.match(tooOld.err, /--since 31d reaches back further than Stripe keeps events \(30 days\); use --since 30d at the most/)
  t.equal(tooOld.out, '')
  t.match((await run(['--since', 'last week'], withKey)), { code: 2, err: /"last week" is neither an ISO date nor an age/ })
  t.match((await run([], {})), { code: 2, err: /Set STRIPE_SECRET_KEY to a key that can read events/ })
  t.match((await run(['--colour'], withKey)), { code: 2, err: /Unknown option '--colour'/ })
  const wrongKey = 'sk_test_wrong0000000000000000000000'
  const refused = await run([], fakeApiEnv(fake.port, wrongKey))
  t.equal(refused.code, 1)
  t.match(refused.err, /The Stripe API refused: Invalid API Key provided/)
  t.notOk(refused.err.includes(wrongKey), 'the key is not printed')
  const closedPort = await freePort()
  const unreachable = await run([], fakeApiEnv(closedPort, FAKE_SECRET_KEY))
  t.equal(unreachable.code, 1)
  t.match(unreachable.err, /Could not reach the Stripe API at 127\.0\.0\.1: /, 'a connection failure is not called a refusal, and names the host')
  t.match((await run(['--help'], withKey)), { code: 0, out: /Usage: npm run events -- reconcile/ })
})
