// `npm run dev` as a real process, in a copy of the project: the server listens on 127.0.0.1 with
// readable logs, the type checker runs beside it, a handler saved with a type error shows that error
// in the same output, and SIGTERM stops everything.
import { spawn } from 'node:child_process'
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { freePort } from '../helpers/free-port.js'
import { temporaryDir } from '../helper.js'
import { exited } from '../helpers/server-process.js'

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))
// The type checker's first pass over the project takes tens of seconds on a loaded machine.
const checkBound = 300_000
t.setTimeout(2 * checkBound + 60_000)

/** A copy of what `npm run dev` runs and checks, sharing the project's node_modules. */
function projectCopy (): string {
  const copy = temporaryDir(t)
  for (const folder of ['src', 'plugins', 'config', 'handlers']) cpSync(join(projectRoot, folder), join(copy, folder), { recursive: true })
  cpSync(join(projectRoot, 'package.json'), join(copy, 'package.json'))
  const tsconfig = JSON.parse(readFileSync(join(projectRoot, 'tsconfig.json'), 'utf8')) as Record<string, unknown>
  // Tests and benchmarks are left out of the copy, and so of its type check.
  writeFileSync(join(copy, 'tsconfig.json'), JSON.stringify({ ...tsconfig, include: ['src', 'plugins', 'handlers', 'config'] }))
  symlinkSync(join(projectRoot, 'node_modules'), join(copy, 'node_modules'), process.platform === 'win32' ? 'junction' : 'dir')
  return copy
}

t.test('npm run dev: the server on 127.0.0.1 and the type checker in one output; a type error shows as it is saved', async (t) => {
  const copy = projectCopy()
  const port = await freePort()
  const { NODE_OPTIONS: _coverageHooks, HOST: _host, NODE_ENV: _nodeEnv, STRIPE_WEBHOOK_SECRET: _secret, ...inherited } = process.env
  const dev = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), 'src/dev/dev-server.ts'], {
    cwd: copy,
    env: { ...inherited, PORT: String(port), DATA_DIR: join(copy, 'data') },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => dev.kill('SIGKILL'))
  let output = ''
  dev.stdout.on('data', (chunk) => { output += String(chunk) })
  dev.stderr.on('data', (chunk) => { output += String(chunk) })

  async function shows (text: string | RegExp, after = 0): Promise<boolean> {
    const deadline = Date.now() + checkBound
    const seen = (): boolean => { const rest = output.slice(after); return typeof text === 'string' ? rest.includes(text) : text.test(rest) }
    while (!seen() && Date.now() < deadline && dev.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 100))
    return seen()
  }

  t.ok(await shows(`INFO: Server listening at http://127.0.0.1:${port}`), 'listens on 127.0.0.1 without HOST, logs made readable by pino-pretty')
  t.notOk(output.includes('"level":'), 'no raw JSON log line')
  t.ok(await shows('[tsc] types: no errors'), 'the type checker runs beside it and finds the copy clean')

  const before = output.length
  writeFileSync(join(copy, 'handlers', 'invoice.paid.ts'), [
    "import { defineHandler } from '../src/define-handler.js'",
    '',
    "export default defineHandler('invoice.paid', async (event, { log }) => {",
    '  log.info({ total: event.data.object.amount_totl }, \'Invoice paid\')',
    '})',
    ''
  ].join('\n'))
  t.ok(await shows("[tsc] type error handlers/invoice.paid.ts:4:39 Property 'amount_totl' does not exist on type 'Invoice'.", before),
    'the saved handler\'s type error is shown, one line with its file, line and column')
  t.ok(await shows('[tsc] types: 1 error', before), 'and the count')
  t.ok(await shows('INFO: Loaded 5 Stripe event handlers', before), 'while the server restarted with the new handler')
  t.comment(output.slice(before).split('\n').filter((line) => line.startsWith('[tsc]')).join('\n'))

  dev.kill('SIGTERM')
  t.equal(await exited(dev), 0, 'SIGTERM stops it, exit 0')
  t.match(output.slice(before), /Shutting down/, 'the server shut down gracefully')
  await t.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'nothing listens any more')
})
