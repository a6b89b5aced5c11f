// The one command runner: every command fails the same way, a usage mistake with the usage (exit 2),
// anything else as one `Error: ...` line on stderr (exit 1), with no stack and no credential.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { runCommand, UsageError } from '../../src/cli/run-command.js'
import { temporaryDir } from '../helper.js'

const tsxLoader = import.meta.resolve('tsx')

/** `npm run <command> -- <args>` as a process, in a folder with no .env, with only `env` set. */
async function runEntry (entry: string, argv: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return await new Promise((resolve) => {
    execFile(process.execPath, ['--import', tsxLoader, fileURLToPath(new URL(`../../src/cli/${entry}`, import.meta.url)), ...argv],
      { cwd, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => { resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr }) })
  })
}

test('a failing command prints one Error line on stderr and exits 1, whichever command it is', async (t) => {
  const cwd = temporaryDir(t)
  const badSetting = 'Error: Invalid configuration: PORT must be a whole number (got "http"). Set PORT to the TCP port to listen on, e.g. 4242.\n'
  for (const [entry, argv] of [
    ['trigger.ts', ['payment_intent.succeeded']],
    ['events.ts', ['stats']],
    ['events.ts', ['reconcile']],
    ['endpoints.ts', ['check']],
    ['new-handler.ts', ['invoice.paid']]
  ] as const) {
    const run = await runEntry(entry, [...argv], { PORT: 'http', STRIPE_SECRET_KEY: 'sk_test_notused' }, cwd)
    t.same([run.code, run.stderr], [1, badSetting], `${entry} ${argv.join(' ')}`)
    t.equal(run.stdout, '', 'nothing on stdout')
  }
})

test('a usage mistake prints the mistake and the usage, exit 2', async (t) => {
  const run = await runEntry('trigger.ts', ['--no-such-option'], {}, temporaryDir(t))
  t.equal(run.code, 2)
  t.match(run.stderr, /^Unknown option '--no-such-option'.*\n\nUsage: npm run trigger -- <event\.type>/s)
  t.equal(run.stdout, '')
})

test('in-process: an unexpected error is one line with its credentials hidden; the command\'s own exit code passes through', async (t) => {
  const lines: string[] = []
  const io = { out: (line: string) => lines.push(`out ${line}`), err: (line: string) => lines.push(`err ${line}`) }
  const failed = await runCommand('Usage: x', io, async () => { throw new Error('could not connect to postgres://router:hunter2@db/events') })
  t.equal(failed, 1)
  t.same(lines, ['err Error: could not connect to postgres://router:***@db/events'])
  lines.length = 0
  t.equal(await runCommand('Usage: x', io, async () => { throw new UsageError('Name one') }), 2)
  t.same(lines, ['err Name one\n\nUsage: x'])
  t.equal(await runCommand('Usage: x', io, async () => 3), 3)
  lines.length = 0
  t.equal(await runCommand('Usage: x', { out: io.out }, async () => { throw new Error('boom') }), 1)
  t.same(lines, ['out Error: boom'], 'without err, errors go to out')
})
