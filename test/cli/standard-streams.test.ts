// A command whose reader stops early (`| head`) ends quietly, as any Unix tool does: no EPIPE stack.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'tap'
import { temporaryDir } from '../helper.js'

const { NODE_OPTIONS: _coverageHooks, ...inherited } = process.env

test('trigger --list piped into head ends with exit 0 and nothing on stderr', async (t) => {
  const entry = fileURLToPath(new URL('../../src/cli/trigger.ts', import.meta.url))
  const tsx = import.meta.resolve('tsx')
  // bash for PIPESTATUS: the command's own exit code, not head's.
  const script = `"${process.execPath}" --import "${tsx}" "${entry}" --list 2>"$ERR_FILE" | head -n 1; echo "exit=\${PIPESTATUS[0]}"; cat "$ERR_FILE"`
  const errFile = join(temporaryDir(t), 'stderr')
  const { stdout } = await promisify(execFile)('bash', ['-c', script], { env: { ...inherited, ERR_FILE: errFile } })
  const [first, status, ...stderr] = stdout.split('\n')
  t.match(first, /^\s+\S+\.\S+/, 'the first type listed')
  t.equal(status, 'exit=0')
  t.same(stderr.filter((line) => line !== ''), [], 'no EPIPE stack on stderr')
})
