// The embedded store's database: one SQLite file in WAL mode, created on first start. Every commit
// is on disk before it returns; a lock held by another process is waited for off the event loop;
// a file deleted or replaced under the process is refused rather than written into.
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import type { SqlClient, SqlDialect, SqlRow, SqlStatement, SqlValue } from './sql-client.js'
import { promiseTry } from '../promise-try.js'

const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  bytesType: 'BLOB',
  booleanType: 'INTEGER',
  skipLocked: '',
  clusteredTable: ' WITHOUT ROWID',
  migrationLock: null,
  writeBatchesInFlight: 1
}

type SqliteValue = Exclude<SqlValue, boolean>

// SQLite knows no booleans.
const toSqlite = (value: SqlValue): SqliteValue => typeof value === 'boolean' ? Number(value) : value

// better-sqlite3 binds `$1` as the named parameter "1", from an object: a lookup by name for each
// parameter. A statement whose placeholders run $1, $2, ... in order, each once (all the batched
// writes), is prepared with `?` instead and bound from the array as it is, which is cheaper.
function inOrder (sql: string): boolean {
  let expected = 1
  for (const [, number] of sql.matchAll(/\$(\d+)/g)) {
    if (Number(number) !== expected++) return false
  }
  return true
}

interface Prepared {
  statement: Database.Statement
  bind: (params: readonly SqlValue[]) => SqliteValue[] | Record<string, SqliteValue>
}

const byPosition = (params: readonly SqlValue[]): SqliteValue[] => params.map(toSqlite)

function byName (params: readonly SqlValue[]): Record<string, SqliteValue> {
  const named: Record<string, SqliteValue> = {}
  params.forEach((value, index) => {
    named[index + 1] = toSqlite(value)
  })
  return named
}

const preparedStatementLimit = 64

/** Where the client reports what an operator must hear about; a pino logger fits. */
export interface SqliteLog {
  warn: (details: object, message: string) => void
  error: (details: object, message: string) => void
}

export interface SqliteClientOptions {
  /** How long an operation waits for a lock held by another process before it fails with SQLITE_BUSY, in milliseconds (SQLITE_LOCK_TIMEOUT_MS). Default 1500. */
  lockTimeoutMs?: number
  /** FULL (the default) syncs the WAL before each commit returns; NORMAL may lose the last commits to an OS crash or power loss. */
  synchronous?: 'FULL' | 'NORMAL'
  /** Told when the file is created, and when it is found deleted or replaced. */
  log?: SqliteLog
}

// better-sqlite3 is synchronous: SQLite's own busy handler would hold the whole event loop while it
// waits. It waits a few milliseconds at most; longer waits are timers between tries.
const blockingBusyWaitMs = 5
const retryDelaysMs = [5, 10, 20, 40, 50]

// WAL pages after which a commit checkpoints (SQLite's default); see openSqliteClient.
const walAutocheckpointPages = 1000

const isBusy = (error: unknown): boolean => String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')

class SqliteStoreError extends Error {
  constructor (readonly code: string, message: string) {
    super(message)
  }
}

/**
 * Opens (creating if need be) the SQLite file at `file`. The client's operations reject with the
 * driver's error (e.g. SQLITE_FULL, SQLITE_IOERR), with SQLITE_BUSY once `lockTimeoutMs` has passed
 * under another process's lock, and with SQLITE_FILE_REPLACED, for good, once the path no longer
 * names the file that was opened.
 */
export function openSqliteClient (file: string, options: SqliteClientOptions = {}): SqlClient {
  const { lockTimeoutMs = 1500, synchronous = 'FULL', log } = options
  file = resolve(file)
  mkdirSync(dirname(file), { recursive: true })
  const created = !existsSync(file)
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  // FULL syncs the WAL at every commit, so a 2xx survives an OS crash or power loss, not only a
  // process crash; the write batcher's group commit shares one sync between many deliveries.
  db.pragma(`synchronous = ${synchronous}`)
  db.pragma(`busy_timeout = ${blockingBusyWaitMs}`)
  // Pruning an event deletes its attempts with it.
  db.pragma('foreign_keys = ON')
  // A checkpoint runs inside the commit that crosses this many WAL pages, so every delivery waiting
  // on that commit (and every one arriving meanwhile) waits for it. At 10,000 pages (about 40 MiB)
  // each took 90-120 ms and came every 2,000 or so events: a few per second under load, enough to
  // be the p99 latency itself. At SQLite's default of 1,000 the longest commit was 30-40 ms, at no
  // measured cost in CPU per event (issue 17). (A 64 MiB page cache was tried too: no clear gain on
  // this machine, and it showed as resident memory.)
  db.pragma(`wal_autocheckpoint = ${walAutocheckpointPages}`)
  // Created here, an empty store stands where an operator may expect months of events (a volume
  // not mounted, a DATA_DIR mistyped): say so where it will be seen.
  if (created) log?.warn({ file }, `a new, empty event store was created at ${file}`)

  // The file's identity as opened: a path that later names another file, or none, means every
  // write would go where no later start will read it.
  const opened = statSync(file)
  let replaced: SqliteStoreError | null = null
  // A read of the lost file loses nothing, so reads look again at most this often; every write looks.
  // A stat costs about 15 µs here, and the read before each handler run made it one per event.
  const readCheckEveryMs = 100
  let identityCheckedAt = 0
  function checkIdentity (writes: boolean): void {
    if (replaced !== null) throw replaced
    const checkedAt = Date.now()
    if (!writes && checkedAt - identityCheckedAt < readCheckEveryMs) return
    identityCheckedAt = checkedAt
    const now = statSync(file, { throwIfNoEntry: false })
    if (now !== undefined && now.dev === opened.dev && now.ino === opened.ino) return
    replaced = new SqliteStoreError('SQLITE_FILE_REPLACED', `the SQLite file ${file} was deleted or replaced while the service ran; ` +
      'writes are refused so that none goes into a file no later start will read: restore the file, then restart the service')
    log?.error({ file }, replaced.message)
    throw replaced
  }

  // Prepared statements are reused, most recently used first. Batched writes make a new text for each
  // batch size, so the cache is bounded: unbounded, it held hundreds of statements after a burst.
  const prepared = new Map<string, Prepared>()
  function prepare (sql: string): Prepared {
    return inOrder(sql)
      ? { statement: db.prepare(sql.replace(/\$\d+/g, '?')), bind: byPosition }
      : { statement: db.prepare(sql), bind: byName }
  }
  function preparedFor (sql: string): Prepared {
    let statement = prepared.get(sql)
    if (statement === undefined) {
      statement = prepare(sql)
      if (prepared.size >= preparedStatementLimit) prepared.delete(prepared.keys().next().value as string)
    } else {
      prepared.delete(sql)
    }
    prepared.set(sql, statement)
    return statement
  }
  function run ({ sql, params = [] }: SqlStatement, { statement, bind } = preparedFor(sql)): SqlRow[] {
    if (statement.reader) return statement.all(bind(params)) as SqlRow[]
    statement.run(bind(params))
    return []
  }
  const runAll = db.transaction((statements: readonly SqlStatement[]) => statements.map((statement) => run(statement)))

  // Another process holding the lock (the events CLI, a backup, a second instance) makes the
  // operation fail at once with SQLITE_BUSY, nothing done; it is tried again after a timer, so the
  // event loop serves everything else meanwhile. Each operation waits at most lockTimeoutMs from its
  // own start, and less when the lock has been in the way since before then with no write getting
  // through: a delivery queued behind a batch that waited gives up with it instead of waiting as long
  // again. Only a write clears that: in WAL mode reads go through under another process's write
  // lock, so a read that succeeds (a readiness probe, a scrape) says nothing about the lock.
  let lockedSince: number | null = null
  // The first try runs at once, with no promise of its own to wait for: the driver is synchronous, and
  // each promise (with the run scope's async hooks on) showed on the hot path. Only a lock waits.
  function underLock<Result> (operation: () => Result, writes: boolean): Promise<Result> {
    const startedAt = Date.now()
    try {
      return Promise.resolve(attempt(operation, writes))
    } catch (error) {
      if (!isBusy(error)) return Promise.reject(error)
      return waitForLock(operation, writes, startedAt)
    }
  }
  function attempt<Result> (operation: () => Result, writes: boolean): Result {
    checkIdentity(writes)
    const result = operation()
    if (writes) lockedSince = null
    return result
  }
  async function waitForLock<Result> (operation: () => Result, writes: boolean, startedAt: number): Promise<Result> {
    for (let tries = 0; ; tries++) {
      lockedSince ??= Date.now()
      const deadline = Math.min(startedAt, lockedSince) + lockTimeoutMs
      if (Date.now() >= deadline) {
        throw new SqliteStoreError('SQLITE_BUSY', `the database ${file} is locked by another process and stayed locked for ${lockTimeoutMs} ms (SQLITE_LOCK_TIMEOUT_MS)`)
      }
      await sleep(Math.min(retryDelaysMs[Math.min(tries, retryDelaysMs.length - 1)] as number, Math.max(1, deadline - Date.now())))
      try {
        return attempt(operation, writes)
      } catch (error) {
        if (!isBusy(error)) throw error
      }
    }
  }

  return {
    dialect: sqliteDialect,
    query: (statement) => promiseTry(() => {
      const prepared = preparedFor(statement.sql)
      return underLock(() => run(statement, prepared), !prepared.statement.reader)
    }),
    transaction: (statements) => underLock(() => runAll.immediate(statements), true),
    close: async () => { db.close() }
  }
}
