// `npm run build` builds from scratch: it empties dist/ before compiling, so a handler deleted or
// renamed in handlers/ leaves nothing behind that could load. (The compile itself takes 20 s of CPU,
// too long for a test; the clean step is run for real on a copy.)
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'tap'
import { checkHandlersDir } from '../src/handlers-dir-check.js'
import { handlerFolder, temporaryDir } from './helper.js'

const projectRoot = fileURLToPath(new URL('../', import.meta.url))
const scripts = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts

test('npm run build starts by emptying dist/, which removes a deleted or renamed handler\'s output', async (t) => {
  t.match(scripts.build, /^npm run clean && tsc /, 'the build cleans first')
  const copy = temporaryDir(t)
  writeFileSync(join(copy, 'package.json'), JSON.stringify({ name: 'build-check', private: true, scripts: { clean: scripts.clean } }))
  // What an earlier build left: a handler since deleted, and one since renamed to fix a typo.
  mkdirSync(join(copy, 'dist/handlers'), { recursive: true })
  writeFileSync(join(copy, 'dist/handlers/customer.deleted.js'), 'export default null\n')
  writeFileSync(join(copy, 'dist/handlers/payment_intent.succeded.js'), 'export default null\n')
  const { NODE_OPTIONS: _coverageHooks, ...env } = process.env
  await promisify(execFile)('npm', ['run', 'clean'], { cwd: copy, env })
  t.notOk(existsSync(join(copy, 'dist')), 'dist/ is gone, stale handlers with it')
  await promisify(execFile)('npm', ['run', 'clean'], { cwd: copy, env })
  t.pass('and cleaning again, with no dist/, does not fail')
})

test('the compiled service refuses a HANDLERS_DIR of TypeScript sources; run from the sources, it takes them', async (t) => {
  await t.rejects(checkHandlersDir(handlerFolder('side-effects'), false), {
    code: 'INVALID_SETTING',
    message: /HANDLERS_DIR ".*side-effects\/" holds only TypeScript sources \(1 \.ts files\), which the compiled service cannot load: run npm run build/
  })
  await t.resolves(checkHandlersDir(handlerFolder('side-effects'), true))
  await t.rejects(checkHandlersDir(join(temporaryDir(t), 'missing')), { code: 'INVALID_SETTING', message: /does not exist/ })
})
