// The WAL checkpoint worker: it copies committed pages into the database file while the main
// connection goes on committing, a failed checkpoint loses nothing, and a worker that cannot start
// leaves the store working. Whether a page reached the database file is read from a copy of that
// file alone, without its WAL: no connection of the code under test takes part in that check.
import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { test } from 'tap'
import { temporaryDir } from '../helper.js'
import { mountTmpfs } from '../helpers/file-systems.js'
import { waitFor } from '../helpers/sqlite-kit.js'
import { openSqliteClient } from '../../src/store/sqlite-client.js'
import { createWalCheckpointer, type WalCheckpointerLog } from '../../src/store/wal-checkpointer.js'

interface Warning { details: Record<string, unknown>, message: string }

function recordingLog (): WalCheckpointerLog & { warnings: Warning[] } {
  const warnings: Warning[] = []
  return { warnings, warn: (details, message) => { warnings.push({ details: details as Record<string, unknown>, message }) } }
}

/** Rows of `table` in the database file alone, read from a copy made without its WAL; 0 without the table. */
function rowsInDatabaseFile (file: string, table: string, scratch: string): number {
  const copy = join(scratch, `copy-${Math.random().toString(36).slice(2)}.sqlite`)
  copyFileSync(file, copy)
  const db = new Database(copy)
  try {
    const exists = db.prepare('SELECT count(*) AS n FROM sqlite_master WHERE name = ?').get(table) as { n: number }
    return exists.n === 0 ? 0 : (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
  } finally {
    db.close()
    rmSync(copy, { force: true })
    rmSync(`${copy}-wal`, { force: true })
    rmSync(`${copy}-shm`, { force: true })
  }
}

/** A main connection as the client opens it, but one that never checkpoints: only the worker can. */
function openMainConnection (file: string): Database.Database {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('wal_autocheckpoint = 0')
  db.exec('CREATE TABLE payloads (id INTEGER PRIMARY KEY, body BLOB NOT NULL)')
  return db
}

test('the worker copies commits into the database file while the main connection goes on committing', async (t) => {
  const dir = temporaryDir(t)
  const file = join(dir, 'events.sqlite')
  const db = openMainConnection(file)
  t.teardown(() => db.close())
  const insert = db.prepare('INSERT INTO payloads (body) VALUES (?)')
  for (let i = 0; i < 100; i++) insert.run(Buffer.alloc(2800, i))
  t.equal(rowsInDatabaseFile(file, 'payloads', dir), 0, 'without the worker, 100 commits are in the WAL only')

  const checkpointer = createWalCheckpointer({ file, synchronous: 'FULL', everyMs: 5, startAfterCommits: 1 })
  t.teardown(() => checkpointer.close())
  for (let i = 0; i < 400; i++) {
    insert.run(Buffer.alloc(2800, i))
    checkpointer.committed()
    // A turn of the event loop between commits, as between the write batcher's commits.
    if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve))
  }
  const copied = await waitFor(() => rowsInDatabaseFile(file, 'payloads', dir) === 500, 10_000)
  t.ok(copied, 'all 500 rows reached the database file')
  t.ok(checkpointer.counts().runs >= 1, `in ${checkpointer.counts().runs} checkpoints`)
  t.equal(checkpointer.counts().failed, 0, 'none failed')
})

test('a checkpoint that fails on a full disk is reported once, loses nothing, and succeeds once space is back', async (t) => {
  // 16 MiB: the 300 commits' WAL takes about 4, and the database file needs room for their pages.
  const volume = mountTmpfs(t, 16_384)
  const file = join(volume, 'events.sqlite')
  const scratch = temporaryDir(t)
  const db = openMainConnection(file)
  t.teardown(() => db.close())
  const insert = db.prepare('INSERT INTO payloads (body) VALUES (?)')
  for (let i = 0; i < 300; i++) insert.run(Buffer.alloc(2800, i))
  const log = recordingLog()
  const checkpointer = createWalCheckpointer({ file, synchronous: 'FULL', everyMs: 5, startAfterCommits: 1, log })
  t.teardown(() => checkpointer.close())

  // Filled before the first checkpoint: the database file cannot grow to take the WAL's pages.
  const filler = join(volume, 'filler')
  try {
    writeFileSync(filler, Buffer.alloc(32 * 1024 * 1024))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    checkpointer.committed()
    await waitFor(() => checkpointer.counts().runs > attempt, 5_000)
  }
  t.equal(checkpointer.counts().failed, 3, 'the three checkpoints on the full disk failed')
  t.equal(log.warnings.length, 1, 'and were reported once')
  t.match(log.warnings[0]?.details.code, /^SQLITE_(FULL|IOERR)/, `with SQLite's code: ${String(log.warnings[0]?.details.code)}`)
  t.equal((db.prepare('SELECT count(*) AS n FROM payloads').get() as { n: number }).n, 300, 'the main connection still reads all 300 rows')

  // The failed checkpoints left the database file part-written: alone it is no database until a
  // checkpoint completes, which is why SQLite reads it only through the WAL meanwhile.
  rmSync(filler)
  checkpointer.committed()
  await waitFor(() => checkpointer.counts().runs > 3, 5_000)
  t.equal(checkpointer.counts().failed, 3, 'once space is back, the next checkpoint succeeds')
  t.equal(rowsInDatabaseFile(file, 'payloads', scratch), 300, 'and puts all 300 rows in the database file')
})

test('a worker that cannot open the file is reported, and the main connection goes on', async (t) => {
  const dir = temporaryDir(t)
  const log = recordingLog()
  const checkpointer = createWalCheckpointer({ file: join(dir, 'missing.sqlite'), synchronous: 'FULL', startAfterCommits: 1, log })
  checkpointer.committed()
  const reported = await waitFor(() => log.warnings.length > 0, 10_000)
  t.ok(reported, 'the failure is reported')
  t.match(log.warnings[0]?.message, /the WAL checkpoint worker (failed|exited); commits checkpoint the WAL themselves/, 'saying what happens instead')
  t.notOk(existsSync(join(dir, 'missing.sqlite')), 'and the worker created no file')
  checkpointer.committed()
  await checkpointer.close()
  t.equal(log.warnings.length, 1, 'once')
})

test("the client's commits are checkpointed by the worker, and its close leaves no WAL behind", async (t) => {
  const dir = temporaryDir(t)
  const file = join(dir, 'events.sqlite')
  const client = openSqliteClient(file)
  await client.query({ sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL)' })
  // 300 small commits, one page each: under the 1,000 pages at which a commit checkpoints itself,
  // past the 256 at which the worker starts.
  for (let i = 0; i < 300; i++) await client.query({ sql: 'INSERT INTO notes (note) VALUES ($1)', params: [`note ${i}`] })
  const copied = await waitFor(() => rowsInDatabaseFile(file, 'notes', dir) >= 256, 10_000)
  t.ok(copied, `the database file holds ${rowsInDatabaseFile(file, 'notes', dir)} of the 300 rows before any commit could have checkpointed`)
  await client.close()
  t.notOk(existsSync(`${file}-wal`), 'closed last, the main connection removed the WAL')
  const reopened = new Database(file, { readonly: true })
  t.equal((reopened.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n, 300, 'and all 300 rows are in the file')
  reopened.close()
})
