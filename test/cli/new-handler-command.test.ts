// The scaffold, in a copy of the project: the files it writes type-check and their test passes.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { test } from 'tap'
import { copyOfProject, scaffold } from '../helpers/scaffold-project.js'

const run = promisify(execFile)
// Type-checking the copy takes 60 to 100 s on a loaded 2-core machine alone; beside the full suite it
// outlasted the default 120 s per file.
t.setTimeout(300_000)

test('new handlers for a type, a prefix and every event compile, and their generated tests pass', async (t) => {
  const root = copyOfProject(t)
  const made = [
    await scaffold(['invoice.paid'], root), await scaffold(['customer.subscription.*'], root), await scaffold(['*'], root),
    await scaffold(['v2.core.account.created'], root)
  ]
  t.same(made.map(({ code }) => code), [0, 0, 0, 0])
  t.match(made[0]?.output, /wrote handlers\/invoice\.paid\.ts\n {2}wrote test\/handlers\/invoice\.paid\.test\.ts\n {2}wrote test\/fixtures\/invoice\.paid\.json/)
  t.match(made[1]?.output, /wrote handlers\/customer\.subscription\._all\.ts/)
  t.match(made[2]?.output, /wrote handlers\/_all\.ts/)
  const fixture = JSON.parse(readFileSync(join(root, 'test/fixtures/customer.subscription._all.json'), 'utf8')) as { type: string }
  t.match(fixture.type, /^customer\.subscription\./)

  // `skipLibCheck` and the shared node_modules keep this to the project's own files.
  await t.resolves(run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { cwd: root }), 'the generated files type-check')
  await t.resolves(run('npx', ['eslint', 'handlers', 'test/handlers'], { cwd: root }), 'the generated files pass the project\'s linter')
  const tap = await run('npx', ['tap', '--disable-coverage', '--reporter=tap', 'test/handlers/invoice.paid.test.ts',
    'test/handlers/customer.subscription._all.test.ts', 'test/handlers/_all.test.ts', 'test/handlers/v2.core.account.created.test.ts'], { cwd: root })
  const passedFiles = tap.stdout.match(/^ok \d+ - test\/handlers\/\S+\.test\.ts/gm) ?? []
  t.equal(passedFiles.length, 4, 'the four generated test files pass')
  t.equal((tap.stdout.match(/^ {8}ok \d+ - /gm) ?? []).length, 8, 'with two assertions each')
  const thinFixture = JSON.parse(readFileSync(join(root, 'test/fixtures/v2.core.account.created.json'), 'utf8')) as { object: string }
  t.equal(thinFixture.object, 'v2.core.event', 'a thin type gets a thin notification as its fixture')
  t.notMatch(tap.stdout, /not ok/)
})

test('an unknown type is refused with the closest ones; nothing is ever overwritten', async (t) => {
  const root = copyOfProject(t)
  const typo = await scaffold(['invoice.payed'], root)
  t.equal(typo.code, 2)
  t.match(typo.output, /"invoice\.payed" is not in stripe [\d.]+'s list of event types\. Did you mean invoice\.paid/)
  t.notOk(existsSync(join(root, 'handlers')), 'nothing was written')
  t.equal((await scaffold([], root)).code, 2)

  t.equal((await scaffold(['invoice.paid'], root)).code, 0)
  const again = await scaffold(['invoice.paid'], root)
  t.equal(again.code, 1)
  t.match(again.output, /invoice\.paid already has its handler, test and fixture \(handlers\/invoice\.paid\.ts, test\/handlers\/invoice\.paid\.test\.ts, test\/fixtures\/invoice\.paid\.json\); nothing was written/)
})

test('a prefix whose every type already has its own handler has nothing left to take', async (t) => {
  const root = copyOfProject(t)
  for (const type of ['invoice_payment.paid']) t.equal((await scaffold([type], root)).code, 0)
  const prefix = await scaffold(['invoice_payment.*'], root)
  t.equal(prefix.code, 1)
  t.match(prefix.output, /Every type under invoice_payment\.\* already has a more specific handler/)
})
