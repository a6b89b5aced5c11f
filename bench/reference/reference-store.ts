// The store the durable references add (REFERENCE_STORE=sqlite): one better-sqlite3 table of event id
// and raw payload, WAL with synchronous = FULL, so every commit is synced before it returns. With
// `settles` (the least durable inbox) each row also gets the time its handler's end was recorded.
import { join } from 'node:path'
import Database from 'better-sqlite3'

export interface ReferenceStore {
  /**
   * In one transaction (one fsync): inserts each row's event id and raw payload, and, in a store
   * opened with `settles`, records each id in `ended` as handled (one UPDATE of its row, stamped with
   * the commit's time in epoch ms). Returns, per row, whether it was stored now (false: the id was
   * stored already). Throws if the commit fails, and then nothing of it is stored.
   */
  commit: (rows: ReadonlyArray<{ id: string, payload: Buffer }>, ended?: readonly string[]) => boolean[]
}

export interface ReferenceStoreOptions {
  /** Adds the `handled_at` column (epoch ms, NULL until the end is recorded) that `commit`'s `ended` sets. */
  settles?: boolean
}

/**
 * The store when `setting` (the reference's REFERENCE_STORE) is `sqlite`, its file
 * `reference.sqlite` in `dataDir`; else null, the reference without storage.
 */
export function openReferenceStore (setting: string | undefined, dataDir: string, { settles = false }: ReferenceStoreOptions = {}): ReferenceStore | null {
  if (setting !== 'sqlite') return null
  const db = new Database(join(dataDir, 'reference.sqlite'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  // The durable floor's table stays as it was: the column is there only when something sets it.
  db.exec(`CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, payload BLOB NOT NULL${settles ? ', handled_at INTEGER' : ''})`)
  const insert = db.prepare('INSERT OR IGNORE INTO events (id, payload) VALUES (?, ?)')
  const settle = settles ? db.prepare('UPDATE events SET handled_at = ? WHERE id = ?') : null
  const commit = db.transaction((rows: ReadonlyArray<{ id: string, payload: Buffer }>, ended: readonly string[]) => {
    const stored = rows.map((row) => insert.run(row.id, row.payload).changes === 1)
    if (ended.length > 0) {
      if (settle === null) throw new Error('this reference store was opened without settles')
      const handledAt = Date.now()
      for (const id of ended) settle.run(handledAt, id)
    }
    return stored
  })
  return { commit: (rows, ended = []) => commit(rows, ended) }
}
