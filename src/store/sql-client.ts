// The little the event store needs from a SQL database, so one store serves SQLite and PostgreSQL.
// Statements are written once, with PostgreSQL's $1 placeholders; each client binds them its way.

export type SqlValue = string | number | boolean | Buffer | null

export interface SqlStatement {
  sql: string
  params?: readonly SqlValue[]
}

export type SqlRow = Record<string, unknown>

export interface SqlDialect {
  name: 'sqlite' | 'postgres'
  /** Column types that differ between the two. */
  bytesType: string
  booleanType: string
  /** Appended to a queue's SELECT so that concurrent claimers take different rows (empty on SQLite, which has one writer). */
  skipLocked: string
  /** Appended to CREATE TABLE for small rows keyed by text: one B-tree instead of a table and its key index. */
  clusteredTable: string
  /** A statement that serialises schema migrations across replicas, or null. */
  migrationLock: string | null
  /**
   * How many batches of the store's hot writes (batched-writes.ts) may be committing at once. SQLite
   * has one writer and a synchronous driver: 1. On PostgreSQL a batch spends most of its time waiting
   * for its commit's WAL flush; the next batch is sent meanwhile, and the server flushes the commits
   * that are ready together.
   */
  writeBatchesInFlight: number
}

export interface SqlClient {
  readonly dialect: SqlDialect
  /** Runs one statement; returns its rows (empty for statements without RETURNING). */
  query: (statement: SqlStatement) => Promise<SqlRow[]>
  /** Runs statements in one transaction; returns each one's rows. */
  transaction: (statements: readonly SqlStatement[]) => Promise<SqlRow[][]>
  close: () => Promise<void>
}
