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

// better-sqlite3 binds `$1` as the named parameter "1", and knows no booleans.
function bindings (params: readonly SqlValue[] = []): Record<string, Exclude<SqlValue, boolean>> {
  const named: Record<string, Exclude<SqlValue, boolean>> = {}
  params.forEach((value, index) => {
    named[index + 1] = typeof value === 'boolean' ? Number(value) : value
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
  const prepared = new Map<string, Database.Statement>()
  function statementFor (sql: string): Database.Statement {
    let statement = prepared.get(sql)
    if (statement === undefined) {
      statement = db.prepare(sql)
      if (prepared.size >= preparedStatementLimit) prepared.delete(prepared.keys().next().value as string)
    } else {
      prepared.delete(sql)
    }
    prepared.set(sql, statement)
    return statement
  }
  function run ({ sql, params }: SqlStatement): SqlRow[] {
    const statement = statementFor(sql)
    if (statement.reader) return statement.all(bindings(params)) as SqlRow[]
    statement.run(bindings(params))
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
