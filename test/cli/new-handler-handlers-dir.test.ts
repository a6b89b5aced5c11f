// `npm run new-handler` writes the handler where the service loads handlers from: HANDLERS_DIR when
// set (from the environment or .env, read as the service reads it), the project's handlers/ otherwise.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from 'tap'
import { copyOfProject } from '../helpers/scaffold-project.js'
import { temporaryDir } from '../helper.js'

const tsxLoader = import.meta.resolve('tsx')

/** The copied project's own `npm run new-handler -- <args>`, run in `root` with only `env` set. */
async function newHandler (root: string, args: string[], env: Record<string, string>): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', tsxLoader, join(root, 'src/cli/new-handler.ts'), ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number, stdout: string, stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

test('with HANDLERS_DIR set, the handler is written there and the test and fixture in the project', async (t) => {
  const root = copyOfProject(t)
  const handlersDir = join(temporaryDir(t), 'handlers-elsewhere')
  const run = await newHandler(root, ['invoice.paid'], { HANDLERS_DIR: handlersDir })
  t.equal(run.code, 0, run.stderr)
  t.match(readFileSync(join(handlersDir, 'invoice.paid.ts'), 'utf8'), /defineHandler\('invoice\.paid'/)
  t.notOk(existsSync(join(root, 'handlers', 'invoice.paid.ts')), 'nothing in the project\'s handlers/')
  t.ok(existsSync(join(root, 'test/handlers/invoice.paid.test.ts')))
  t.ok(existsSync(join(root, 'test/fixtures/invoice.paid.json')))
  t.match(run.stdout, `  wrote ${join(handlersDir, 'invoice.paid.ts')}\n`, 'the path written is named in full')

  const again = await newHandler(root, ['invoice.paid'], { HANDLERS_DIR: handlersDir })
  t.equal(again.code, 1, 'the handler found in HANDLERS_DIR is not written twice')
})

test('HANDLERS_DIR from .env counts too, relative to the folder the command runs in', async (t) => {
  const root = copyOfProject(t)
  writeFileSync(join(root, '.env'), 'HANDLERS_DIR=custom/handlers\n')
  const run = await newHandler(root, ['customer.created'], {})
  t.equal(run.code, 0, run.stderr)
  t.ok(existsSync(join(root, 'custom/handlers/customer.created.ts')))
  t.match(run.stdout, '  wrote custom/handlers/customer.created.ts\n')
  t.notOk(existsSync(join(root, 'handlers', 'customer.created.ts')))
})
