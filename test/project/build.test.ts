// `npm run build` builds from scratch: it empties dist/ before compiling, so a handler deleted or
// renamed in handlers/ leaves nothing behind that could load. (The compile itself takes 20 s of CPU,
// too long for a test; the clean step is run for real on a copy.)
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'tap'
import { checkHandlersDir } from '../../src/routing/handlers-dir-check.js'
import { handlerFolder, temporaryDir } from '../helper.js'

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))
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

test('the build gives dist/ the #define-handler import, which a built handler at any depth resolves with plain node', async (t) => {
  t.match(scripts.build, /&& npm run build:imports$/, 'the build writes dist/package.json last')
  const copy = temporaryDir(t)
  const { imports } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { imports: Record<string, string> }
  writeFileSync(join(copy, 'package.json'), JSON.stringify({ name: 'build-check', private: true, type: 'module', imports, scripts: { 'build:imports': scripts['build:imports'] } }))
  // What tsc leaves in dist/: the built define-handler, and a handler two folders deep.
  mkdirSync(join(copy, 'dist/src'), { recursive: true })
  mkdirSync(join(copy, 'dist/handlers/billing/invoices'), { recursive: true })
  writeFileSync(join(copy, 'dist/src/define-handler.js'), 'export const defineHandler = (type) => ({ type })\n')
  writeFileSync(join(copy, 'dist/handlers/billing/invoices/invoice.paid.js'),
    "import { defineHandler } from '#define-handler'\nconsole.log(JSON.stringify(defineHandler('invoice.paid')))\n")
  const { NODE_OPTIONS: _coverageHooks, ...env } = process.env
  await promisify(execFile)('npm', ['run', 'build:imports'], { cwd: copy, env })
  t.same(JSON.parse(readFileSync(join(copy, 'dist/package.json'), 'utf8')), { type: 'module', imports: { '#define-handler': './src/define-handler.js' } },
    'only the imports whose target was built: no #test-helper')
  // Plain node, no tsx. The copy's own map points at ./src/, which it lacks: only dist/package.json resolves it.
  const { stdout } = await promisify(execFile)(process.execPath, ['dist/handlers/billing/invoices/invoice.paid.js'], { cwd: copy, env })
  t.equal(stdout.trim(), '{"type":"invoice.paid"}')
})

test('the compiled service refuses a HANDLERS_DIR of TypeScript sources; run from the sources, it takes them', async (t) => {
  await t.rejects(checkHandlersDir(handlerFolder('side-effects'), false), {
    code: 'INVALID_SETTING',
    message: /HANDLERS_DIR ".*side-effects\/" holds only TypeScript sources \(1 \.ts files\), which the compiled service cannot load: run npm run build/
  })
  await t.resolves(checkHandlersDir(handlerFolder('side-effects'), true))
  await t.rejects(checkHandlersDir(join(temporaryDir(t), 'missing')), { code: 'INVALID_SETTING', message: /does not exist/ })
})
