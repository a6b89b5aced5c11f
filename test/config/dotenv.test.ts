// The .env file, through real processes: the server and the trigger read `.env` in their working
// directory beneath the environment (the environment wins; an empty value in it means unset), refuse
// a malformed value from it in plain words, and the trigger says which secret it signed with when
// the service refuses the signature.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'tap'
import { buildEvent } from '../../src/samples/build-event.js'
import { handlerFolder, signPayload, temporaryDir, TEST_WEBHOOK_SECRET } from '../helper.js'
import { sideEffectCounts } from '../helpers/side-effects.js'
import { exited, runServerUntilExit, startServer } from '../helpers/server-process.js'

const triggerEntry = fileURLToPath(new URL('../../src/cli/trigger.ts', import.meta.url))
const tsxLoader = import.meta.resolve('tsx')

async function postTo (url: string, payload: string, secret: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload, { secret }) }, body: payload })
  await response.arrayBuffer()
  return response.status
}

/** `npm run trigger -- <args>` as the user runs it, in `cwd` (where its .env is), with `env` over the inherited one. */
async function runTrigger (args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number, output: string }> {
  const { NODE_OPTIONS: _coverageHooks, STRIPE_WEBHOOK_SECRET: _notThis, ...inherited } = process.env
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', tsxLoader, triggerEntry, ...args], { cwd, env: { ...inherited, ...env } })
    return { code: 0, output: stdout + stderr }
  } catch (error) {
    const failed = error as { code: number, stdout: string, stderr: string }
    return { code: failed.code, output: failed.stdout + failed.stderr }
  }
}

test('the server reads .env in its working directory, and the environment wins over it', async (t) => {
  const dir = temporaryDir(t)
  const effects = join(dir, 'effects')
  writeFileSync(join(dir, '.env'), [
    '# a .env as a user writes one',
    'STRIPE_WEBHOOK_SECRET=whsec_from_dotenv_file',
    'WEBHOOK_PATH=/from-dotenv',
    `DATA_DIR=${join(dir, 'data')}`
  ].join('\n'))
  // STRIPE_WEBHOOK_SECRET= (empty) is unset, so .env's applies; WEBHOOK_PATH from the environment wins.
  const server = await startServer({ STRIPE_WEBHOOK_SECRET: '', WEBHOOK_PATH: '/from-env', HANDLERS_DIR: handlerFolder('side-effects') }, { cwd: dir })
  t.teardown(() => server.child.kill('SIGKILL'))
  const event = buildEvent('payment_intent.succeeded', { id: 'evt_dotenv_1', fields: { metadata: { effects_file: effects } } })
  const payload = JSON.stringify(event)
  t.equal(await postTo(`${server.url}/from-env`, payload, 'whsec_from_dotenv_file'), 200, 'signed with .env\'s secret, on the environment\'s path: accepted')
  t.equal(await postTo(`${server.url}/from-dotenv`, payload, 'whsec_from_dotenv_file'), 404, '.env\'s path lost to the environment\'s')
  t.equal(await postTo(`${server.url}/from-env`, JSON.stringify({ ...event, id: 'evt_dotenv_2' }), TEST_WEBHOOK_SECRET), 400, 'another secret is refused')
  server.child.kill('SIGTERM')
  t.equal(await exited(server.child), 0)
  t.same([...sideEffectCounts(effects)], [['evt_dotenv_1', 1]], 'the accepted event was handled, once')
  t.notOk(JSON.stringify(server.logs).includes('whsec_from_dotenv_file'), 'the secret from .env is never logged')
})

test('a malformed value in .env stops start-up in plain words, saying it came from .env', async (t) => {
  const dir = temporaryDir(t)
  writeFileSync(join(dir, '.env'), 'LOG_LEVEL=verbose\n')
  const run = await runServerUntilExit({ LOG_LEVEL: '', DATA_DIR: join(dir, 'data') }, 30_000, { cwd: dir })
  t.equal(run.code, 1)
  t.match(run.logs.find((line) => line.level === 60), {
    code: 'INVALID_SETTING',
    msg: 'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace or silent (set in .env).'
  })
  t.notOk(run.output.includes('listening'), 'never listened')
})

test('start-up refuses a malformed setting in plain words and warns of conflicting ones', async (t) => {
  const dir = temporaryDir(t)
  const refused = await runServerUntilExit({ PORT: 'http', DATA_DIR: join(dir, 'refused') })
  t.equal(refused.code, 1)
  t.match(refused.logs.find((line) => line.level === 60), { msg: 'Invalid configuration: PORT must be a whole number (got "http"). Set PORT to the TCP port to listen on, e.g. 4242.' })

  const server = await startServer({ EVENT_STORE: 'SQLite', DATABASE_URL: 'postgres://router:hunter2@127.0.0.1:1/none', LOG_LEVEL: 'Info', DATA_DIR: join(dir, 'data') })
  t.teardown(() => server.child.kill('SIGKILL'))
  t.match(server.logs.find((line) => line.level === 40), { msg: /^DATABASE_URL is set but EVENT_STORE=sqlite: events are stored in SQLite under DATA_DIR .* and DATABASE_URL is ignored/ })
  t.notOk(JSON.stringify(server.logs).includes('hunter2'), 'no password in any line')
  t.ok(server.logs.some((line) => line.store === 'sqlite'), 'and it runs on SQLite, as the warning says')
  server.child.kill('SIGTERM')
  t.equal(await exited(server.child), 0)
})

test('the trigger reads the same .env; on INVALID_SIGNATURE it says which secret it signed with and how to align them', async (t) => {
  const dir = temporaryDir(t)
  const server = await startServer({ DATA_DIR: join(dir, 'data'), HANDLERS_DIR: handlerFolder('side-effects') })
  t.teardown(() => server.child.kill('SIGKILL'))
  const port = new URL(server.url).port

  // .env names the service's port and a secret the service does not have: the trigger finds the
  // service through .env, and its signature is refused.
  writeFileSync(join(dir, '.env'), `PORT=${port}\nSTRIPE_WEBHOOK_SECRET=whsec_not_the_service_one_9z8y\n`)
  const mismatch = await runTrigger(['payment_intent.succeeded'], dir, {})
  t.equal(mismatch.code, 1)
  t.match(mismatch.output, `→ POST http://127.0.0.1:${port}/webhook payment_intent.succeeded`)
  t.match(mismatch.output, /← 400 .*INVALID_SIGNATURE/)
  t.match(mismatch.output, 'this event was signed with STRIPE_WEBHOOK_SECRET from .env (…9z8y)')
  t.match(mismatch.output, /To align them: start the service from this folder with the same \.env .* or pass the service's secret with --secret/)
  t.notOk(mismatch.output.includes('whsec_not_the_service_one'), 'the secret itself is never printed')

  // Without a secret anywhere, it signs with the development secret and says so.
  writeFileSync(join(dir, '.env'), `PORT=${port}\n`)
  const development = await runTrigger(['payment_intent.succeeded'], dir, {})
  t.match(development.output, /signed with the local development secret \(whsec_loca…\), as STRIPE_WEBHOOK_SECRET is not set here/)
  t.notOk(development.output.includes('never_use_in_production'), 'not even the development secret in full')

  // The environment wins over .env: the service's own secret verifies.
  const aligned = await runTrigger(['payment_intent.succeeded'], dir, { STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET })
  t.equal(aligned.code, 0, aligned.output)
  t.match(aligned.output, '← 200 {"received":true}')
  t.notMatch(aligned.output, /To align them/, 'no hint when it verifies')
  server.child.kill('SIGTERM')
  t.equal(await exited(server.child), 0)
})

test('the trigger refuses a malformed setting from .env with the server\'s message, not a stack', async (t) => {
  const dir = temporaryDir(t)
  writeFileSync(join(dir, '.env'), 'PORT=forty-two\n')
  const run = await runTrigger(['payment_intent.succeeded'], dir, {})
  t.equal(run.code, 1)
  t.match(run.output, 'Invalid configuration: PORT must be a whole number (set in .env).')
  t.notMatch(run.output, /\n\s+at /, 'no stack trace')
})
