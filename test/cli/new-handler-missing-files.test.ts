// The scaffold fills in what a handler lacks: the test and fixture of one written by hand (in any
// sub-folder), or the handler of a test that exists; and it names only files that are there.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from 'tap'
import { copyOfProject, scaffold } from '../helpers/scaffold-project.js'

const run = promisify(execFile)

test('a handler written by hand gets the missing test and fixture, naming only files that exist', async (t) => {
  const root = copyOfProject(t)
  mkdirSync(join(root, 'handlers/billing'), { recursive: true })
  writeFileSync(join(root, 'handlers/billing/invoice.paid.ts'), "import { defineHandler } from '#define-handler'\n\n" +
    "export default defineHandler('invoice.paid', async (event, { log }) => { log.info({ paid: event.data.object.amount_paid }, 'Paid') })\n")
  writeFileSync(join(root, 'handlers/charge.refunded.ts'), "import { defineHandler } from '#define-handler'\n\n" +
    "export default defineHandler('charge.refunded', async () => { throw new Error('refunds are not wired up yet') })\n")

  const made = await scaffold(['invoice.paid'], root)
  t.equal(made.code, 0)
  t.equal(made.output, 'New handler for invoice.paid:\n' +
    '  kept handlers/billing/invoice.paid.ts (it exists)\n' +
    '  wrote test/handlers/invoice.paid.test.ts\n' +
    '  wrote test/fixtures/invoice.paid.json\n' +
    '\nNext: npx tap --disable-coverage test/handlers/invoice.paid.test.ts, and with npm run dev running: npm run trigger -- invoice.paid')
  t.notOk(existsSync(join(root, 'handlers/invoice.paid.ts')), 'no second handler beside the one in billing/')
  t.equal((await scaffold(['charge.refunded'], root)).code, 0)

  // A test deleted by mistake comes back on its own, the handler and fixture kept.
  rmSync(join(root, 'test/handlers/invoice.paid.test.ts'))
  const again = await scaffold(['invoice.paid'], root)
  t.match(again.output, /kept handlers\/billing\/invoice\.paid\.ts \(it exists\)\n {2}wrote test\/handlers\/invoice\.paid\.test\.ts\n {2}kept test\/fixtures\/invoice\.paid\.json \(it exists\)/)

  // The generated test passes for a handler that works and fails for one that throws.
  const tap = await run('npx', ['tap', '--disable-coverage', '--reporter=tap', 'test/handlers/invoice.paid.test.ts', 'test/handlers/charge.refunded.test.ts'], { cwd: root })
    .then(({ stdout }) => stdout, (error: { stdout: string }) => error.stdout)
  t.match(tap, /^ok \d+ - test\/handlers\/invoice\.paid\.test\.ts/m, 'the working handler\'s test passes')
  t.match(tap, /^not ok \d+ - test\/handlers\/charge\.refunded\.test\.ts/m, 'the throwing handler\'s test fails')
})

test('a missing handler is written beside its existing test and fixture', async (t) => {
  const root = copyOfProject(t)
  t.equal((await scaffold(['invoice.paid'], root)).code, 0)
  rmSync(join(root, 'handlers/invoice.paid.ts'))
  const made = await scaffold(['invoice.paid'], root)
  t.equal(made.code, 0)
  t.match(made.output, /wrote handlers\/invoice\.paid\.ts\n {2}kept test\/handlers\/invoice\.paid\.test\.ts \(it exists\)\n {2}kept test\/fixtures\/invoice\.paid\.json \(it exists\)/)
  t.ok(existsSync(join(root, 'handlers/invoice.paid.ts')))
})
