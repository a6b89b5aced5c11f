// The store the durable references add (REFERENCE_STORE=sqlite): one better-sqlite3 table of event id
// and raw payload, WAL with synchronous = FULL, so every commit is synced before it returns.
import { join } from 'node:path'
import Database from 'better-sqlite3'

export interface ReferenceStore {
  /** Inserts each event's id and raw payload in one transaction (one fsync); throws if the commit fails. */
  insertAll: (rows: ReadonlyArray<{ id: string, payload: Buffer }>) => void
}

/**
 * The store when `setting` (the reference's REFERENCE_STORE) is `sqlite`, its file in `dataDir`; else
 * null, the reference without storage.
 */
export function openReferenceStore (setting: string | undefined, dataDir: string): ReferenceStore | null {
  if (setting !== 'sqlite') return null
  const db = new Database(join(dataDir, 'reference.sqlite'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec('CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, payload BLOB NOT NULL)')
  const insert = db.prepare('INSERT OR IGNORE INTO events (id, payload) VALUES (?, ?)')
  const insertAll = db.transaction((rows: ReadonlyArray<{ id: string, payload: Buffer }>) => {
    for (const row of rows) insert.run(row.id, row.payload)
  })
  return { insertAll: (rows) => { insertAll(rows) } }
}
