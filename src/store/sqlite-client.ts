// The embedded store's database: one SQLite file in WAL mode, created on first start.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { SqlClient, SqlDialect, SqlRow, SqlStatement, SqlValue } from './sql-client.js'

const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  bytesType: 'BLOB',
  booleanType: 'INTEGER',
  skipLocked: '',
  clusteredTable: ' WITHOUT ROWID',
  migrationLock: null
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

export function openSqliteClient (file: string): SqlClient {
  mkdirSync(dirname(file), { recursive: true })
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  // NORMAL is durable across process crashes in WAL mode; only an OS crash may lose the last commits.
  db.pragma('synchronous = NORMAL')
  // Another process on the same file (the events CLI, a second instance) waits instead of failing.
  db.pragma('busy_timeout = 5000')
  // Pruning an event deletes its attempts with it.
  db.pragma('foreign_keys = ON')
  // Checkpointing every 10,000 pages instead of 1,000 moves the WAL into the database in fewer,
  // larger steps. (A 64 MiB page cache was tried too: no clear gain on this machine, and it showed
  // as resident memory.)
  db.pragma('wal_autocheckpoint = 10000')

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
  function run ({ sql, params = [] }: SqlStatement): SqlRow[] {
    const { statement, bind } = preparedFor(sql)
    if (statement.reader) return statement.all(bind(params)) as SqlRow[]
    statement.run(bind(params))
    return []
  }
  const runAll = db.transaction((statements: readonly SqlStatement[]) => statements.map(run))

  return {
    dialect: sqliteDialect,
    query: async (statement) => run(statement),
    transaction: async (statements) => runAll.immediate(statements),
    close: async () => { db.close() }
  }
}
