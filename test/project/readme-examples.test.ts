// The README's examples show what they claim: the counts it gives, and the single-test command,
// which runs clean (no coverage errors for a passing test).
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'tap'
import { realisticEvents } from '../../src/samples/realistic-events.js'
import { stripeEventTypes } from '../../src/routing/stripe-event-types.js'

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

test('the README counts the realistic samples and the event types as they are', async (t) => {
  t.match(readme, `any of the ${stripeEventTypes().size} event types of the installed stripe package`)
  t.match(readme, `${Object.keys(realisticEvents).length} of the most used types`)
})

test('the README\'s single-test command passes a handler test with no coverage errors', async (t) => {
  const command = /^npx tap (--disable-coverage) test\/handlers\/invoice\.paid\.test\.ts/m.exec(readme)
  t.ok(command, 'the offline loop runs one test file')
  // The same command over a seed handler's test; tap's own coverage hooks stay out of the child.
  const { NODE_OPTIONS: _coverageHooks, ...env } = process.env
  const { stdout } = await promisify(execFile)('npx', ['tap', command?.[1] ?? '', 'test/handlers/payment_intent.succeeded.test.ts'], { cwd: projectRoot, env })
  t.match(stdout, /^ok 1 - test\/handlers\/payment_intent\.succeeded\.test\.ts/m)
  t.notMatch(stdout, /# ERROR/, 'no coverage error lines')
})
