// The operator's commands, run against a store that a real app filled through signed deliveries.
import { test } from 'tap'
import { runEventsCommand } from '../../src/cli/events-command.js'
import { buildApp, deliver, handlerFolder, loadFixture, paymentIntentSucceeded, settle, temporaryDir } from '../helper.js'
import { completedEventIds, runsByEvent } from '../fixtures/handler-folders/flaky/payment_intent.succeeded.js'


async function run (argv: string[], env: Record<string, string>): Promise<{ code: number, output: string }> {
  const lines: string[] = []
  const code = await runEventsCommand(argv, { env, out: (line) => lines.push(line) })
  return { code, output: lines.join('\n') }
}

test('list, show, replay and prune over a store the service filled', async (t) => {
  runsByEvent.clear()
  completedEventIds.length = 0
  const env = { DATA_DIR: temporaryDir(t), MAX_ATTEMPTS: '1', POLL_INTERVAL_MS: '10' }
  const { app } = await buildApp(t, { env, handlersDir: handlerFolder('flaky') })
  await deliver(app, paymentIntentSucceeded('evt_cli_ok'))
  await deliver(app, paymentIntentSucceeded('evt_cli_fails_once', { failures: '1' }))
  await deliver(app, loadFixture('customer.created'))
  await settle(app)

  const listed = await run(['list'], env)
  t.equal(listed.code, 0)
  t.match(listed.output, /STATUS/)
  t.match(listed.output, /failed\s+1 payment_intent\.succeeded\s+evt_cli_fails_once/)
  t.match(listed.output, /handled\s+1 payment_intent\.succeeded\s+evt_cli_ok/)

  const failedOnly = await run(['list', '--status', 'failed', '--json'], env)
  t.same(failedOnly.output.split('\n').map((line) => (JSON.parse(line) as { id: string }).id), ['evt_cli_fails_once'])
  t.match((await run(['list', '--type', 'customer.created', '--since', '1h'], env)).output, /unhandled\s+0 customer\.created/)
  t.equal((await run(['list', '--since', '2000-01-01', '--until', '2000-01-02'], env)).output, 'No events match.')

  const shown = await run(['show', 'evt_cli_fails_once'], env)
  t.equal(shown.code, 0)
  t.match(JSON.parse(shown.output), {
    id: 'evt_cli_fails_once', status: 'failed', attempts: 1, lastError: 'Error: planned failure 1 of 1',
    attemptHistory: [{ attempt: 1, outcome: 'failed', error: 'Error: planned failure 1 of 1' }]
  })
  t.match(JSON.parse((await run(['show', 'evt_cli_ok', '--payload'], env)).output), { payload: { id: 'evt_cli_ok', type: 'payment_intent.succeeded' } })
  t.equal((await run(['show', 'evt_nope'], env)).code, 1)

  const notForced = await run(['replay', 'evt_cli_ok'], env)
  t.match(notForced.output, /Requeued 0 events\.\nNot requeued .*: evt_cli_ok/)
  const failed = await run(['replay', '--failed'], env)
  t.match(failed.output, /Requeued 1 event: evt_cli_fails_once/)
  await settle(app)
  t.same(completedEventIds.sort(), ['evt_cli_fails_once', 'evt_cli_ok'], 'the replayed event went through its handler')
  t.match(await app.eventInbox.store?.get('evt_cli_fails_once'), { status: 'handled' })

  t.match((await run(['replay', 'evt_cli_ok', '--force'], env)).output, /Requeued 1 event: evt_cli_ok/)
  await settle(app)
  t.equal(runsByEvent.get('evt_cli_ok'), 2, 'a forced replay runs a handled event again')
  t.match((await run(['replay', '--type', 'payment_intent.succeeded', '--since', '1h'], env)).output, /Requeued 0 events/)

  t.match((await run(['stats'], env)).output, /handled\s+2\nunhandled\s+1\nignored\s+0\nfailed\s+0/)
  t.equal((await run(['prune', '--older-than', '0s'], env)).output, 'Pruned 3 settled events.')
})

test('bad commands answer with what was wrong and the usage', async (t) => {
  const env = { DATA_DIR: temporaryDir(t) }
  const cases: Array<[string[], RegExp]> = [
    [[], /Usage: npm run events/],
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
    const { code, output } = await run(argv, env)
    t.equal(code, 2, argv.join(' '))
    t.match(output, message, argv.join(' '))
  }
  t.equal((await run(['--help'], env)).code, 0)
  t.match((await run(['stats'], { ...env, EVENT_STORE: 'none' })).output, /EVENT_STORE=none: there is no event store/)
})
