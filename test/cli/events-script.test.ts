// `npm run events` as the user runs it: from the sources, like the other commands (no build first),
// and reading the same .env as the service.
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'tap'
import { createSqlEventStore } from '../../src/store/sql-event-store.js'
import { openSqliteClient } from '../../src/store/sqlite-client.js'
import { temporaryDir } from '../helper.js'

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))
const scripts = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
const { NODE_OPTIONS: _coverageHooks, ...inherited } = process.env

// The commands open only a store that exists (only the service creates one): made here as it would.
async function createStore (dataDir: string): Promise<string> {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, 'events.sqlite')
  const store = createSqlEventStore(openSqliteClient(file))
  await store.migrate()
  await store.close()
  return file
}

test('npm run events runs from the sources, like the trigger, with no build', async (t) => {
  t.equal(scripts.events, 'node --import tsx src/cli/events.ts')
  t.notMatch(scripts.events, /dist\//, 'nothing built is needed')
  const dataDir = temporaryDir(t)
  const file = await createStore(dataDir)
  const { stdout, stderr } = await promisify(execFile)('npm', ['run', '--silent', 'events', '--', 'stats'], { cwd: projectRoot, env: { ...inherited, DATA_DIR: dataDir } })
  t.match(stdout, /^pending\s+0$/m, 'it answers from the store')
  t.equal(stderr.trim(), `Event store: SQLite ${file}`, 'the store of DATA_DIR')
})

test('the events command reads .env in its working directory, as the service does', async (t) => {
  const dir = temporaryDir(t)
  writeFileSync(join(dir, '.env'), 'DATA_DIR=./store-from-dotenv\n')
  const { DATA_DIR: _notThis, ...env } = inherited
  const file = await createStore(join(dir, 'store-from-dotenv'))
  const entry = fileURLToPath(new URL('../../src/cli/events.ts', import.meta.url))
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', import.meta.resolve('tsx'), entry, 'stats'], { cwd: dir, env })
  t.match(stdout, /^failed\s+0$/m)
  t.match(stderr, 'Event store: SQLite ', 'the store named')
  t.ok(stderr.trim().endsWith(file.slice(dir.length)), 'the store is where .env\'s DATA_DIR says')
})
