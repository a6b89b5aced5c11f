// Start-up through the real server process: it says what it runs, and refuses what cannot work by
// naming the setting to change; only an unexpected error keeps its stack.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'tap'
import { handlerFolder, temporaryDir } from '../helper.js'
import { runServerUntilExit, startServer, exited } from '../helpers/server-process.js'

async function occupiedPort (t: { teardown: (fn: () => unknown) => void }): Promise<number> {
  const blocker: Server = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  return (blocker.address() as { port: number }).port
}

const fatalLine = (logs: Array<Record<string, unknown>>): Record<string, unknown> | undefined => logs.find((line) => line.level === 60)

test('start-up logs one summary line: paths, store and where, secrets, mode, LIVEMODE, handlers', async (t) => {
  const dataDir = temporaryDir(t)
  const server = await startServer({
    DATA_DIR: dataDir,
    HANDLERS_DIR: handlerFolder('side-effects'),
    STRIPE_WEBHOOK_SECRET: 'whsec_summary_one,whsec_summary_two',
    PROCESSING_MODE: 'inline',
    LIVEMODE: 'test'
  })
  t.teardown(() => server.child.kill('SIGKILL'))
  const deadline = Date.now() + 5000
  while (!server.logs.some((line) => line.webhookPaths !== undefined) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  const summaries = server.logs.filter((line) => line.webhookPaths !== undefined)
  t.equal(summaries.length, 1, 'one summary line')
  t.match(summaries[0], {
    address: server.url,
    webhookPaths: ['/webhook', '/webhook/thin'],
    store: 'sqlite',
    storeLocation: join(dataDir, 'events.sqlite'),
    secrets: 2,
    processingMode: 'inline',
    livemode: 'test',
    handlers: 1,
    msg: /^Taking Stripe events at http:\/\/127\.0\.0\.1:\d+: POST \/webhook .*2 signing secrets; inline processing; LIVEMODE test; 1 handler file$/
  })
  t.notOk(JSON.stringify(summaries).includes('whsec_summary'), 'no secret in it')
  server.child.kill('SIGTERM')
  t.equal(await exited(server.child), 0)
})

test('a HANDLERS_DIR that does not exist stops start-up with how to fix it; an empty one is a warning', async (t) => {
  const missing = await runServerUntilExit({ DATA_DIR: temporaryDir(t), HANDLERS_DIR: join(tmpdir(), 'no-such-handlers-folder-4f1c') })
  t.equal(missing.code, 1, 'exit 1')
  t.match(fatalLine(missing.logs), { code: 'INVALID_SETTING', msg: /HANDLERS_DIR ".*no-such-handlers-folder-4f1c" does not exist: set it to the folder of built handler files/ })
  t.notOk(missing.output.includes('listening'), 'never listened')

  const empty = mkdtempSync(join(tmpdir(), 'stripe-router-no-handlers-'))
  t.teardown(() => import('node:fs').then(({ rmSync }) => rmSync(empty, { recursive: true, force: true })))
  const server = await startServer({ DATA_DIR: temporaryDir(t), HANDLERS_DIR: empty })
  t.teardown(() => server.child.kill('SIGKILL'))
  t.match(server.logs.find((line) => line.level === 40), { msg: /No Stripe event handlers in .*: every event will be acknowledged and stored as unhandled/ })
  server.child.kill('SIGTERM')
  t.equal(await exited(server.child), 0)
})

test('OS errors at start-up name the setting behind them', async (t) => {
  const taken = await occupiedPort(t)
  const file = join(temporaryDir(t), 'a-file')
  writeFileSync(file, 'not a folder')
  const cases: Array<[string, Record<string, string>, string, RegExp]> = [
    ['PORT in use', { PORT: String(taken) }, 'PORT', new RegExp(`^PORT ${taken} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\)`)],
    ['METRICS_PORT in use', { METRICS_PORT: String(taken) }, 'METRICS_PORT', new RegExp(`^METRICS_PORT ${taken} is already in use`)],
    ['HOST not resolvable', { HOST: 'no-such-host.invalid' }, 'HOST', /^HOST "no-such-host\.invalid" is not an address of this machine \(ENOTFOUND\)/],
    ['HOST not this machine\'s', { HOST: '192.0.2.7' }, 'HOST', /^HOST "192\.0\.2\.7" is not an address of this machine \(EADDRNOTAVAIL\)/],
    ['DATA_DIR under a file', { DATA_DIR: join(file, 'data') }, 'DATA_DIR', /^DATA_DIR ".*a-file\/data" cannot hold the event store \(ENOTDIR/]
  ]
  const runs = await Promise.all(cases.map(async ([, env]) => await runServerUntilExit({ DATA_DIR: temporaryDir(t), ...env })))
  cases.forEach(([name, , setting, message], index) => {
    const run = runs[index] as Awaited<ReturnType<typeof runServerUntilExit>>
    // The output, when the exit code is wrong, is what says why.
    if (!t.equal(run.code, 1, `${name}: exit 1`)) t.comment(run.output.slice(-1500))
    const line = fatalLine(run.logs)
    t.match(line, { setting, msg: message }, `${name}: names ${setting}`)
    t.notOk(line?.err, `${name}: no stack, the message explains it`)
  })
})

test('METRICS_PORT equal to PORT is refused by validation', async (t) => {
  const run = await runServerUntilExit({ DATA_DIR: temporaryDir(t), PORT: '4399', METRICS_PORT: '4399' })
  t.equal(run.code, 1)
  t.match(fatalLine(run.logs), { code: 'INVALID_SETTING', msg: /METRICS_PORT is the same port as PORT \(4399\)/ })
  t.notOk(run.output.includes('EADDRINUSE'), 'refused before any listen')
})

test('an unexpected start-up error keeps its stack', async (t) => {
  const run = await runServerUntilExit({ DATA_DIR: temporaryDir(t), HANDLERS_DIR: handlerFolder('throws-on-import') })
  t.equal(run.code, 1)
  const line = fatalLine(run.logs) as { msg?: string, err?: { stack?: string } } | undefined
  t.match(line?.msg, /^Start-up failed: the payments client could not be configured/)
  t.match(line?.err?.stack, /throws-on-import\/customer\.created\.ts/, 'the stack points at the file')
})
