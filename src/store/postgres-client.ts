// The shared store's database, for several replicas behind one load balancer. A database fault
// (a dropped connection, a restart, a frozen server) reaches the caller as a failed query, never as
// an uncaught 'error' event, and the pool reconnects by itself on the next query.
import pg from 'pg'
import type { SqlClient, SqlDialect, SqlRow, SqlStatement } from './sql-client.js'

const postgresDialect: SqlDialect = {
  name: 'postgres',
  bytesType: 'BYTEA',
  booleanType: 'BOOLEAN',
  skipLocked: 'FOR UPDATE SKIP LOCKED',
  clusteredTable: '',
  // Replicas starting together migrate one at a time; the lock ends with the transaction.
  migrationLock: 'SELECT pg_advisory_xact_lock(4242424242)',
  // Three against one: 3,637 to 4,371 deliveries a second in the suite (2 rounds each, issue 17).
  writeBatchesInFlight: 3
}

// Timestamps are milliseconds in BIGINT columns; they fit a JavaScript number exactly.
const types = {
  getTypeParser: (oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')
}

export interface PostgresTimeouts {
  /** How long opening a connection (or waiting for a free one) may take, in milliseconds. */
  connectMs: number
  /** The server's statement and idle-in-transaction timeouts, in milliseconds. */
  statementMs: number
}

// A frozen server never enforces its own statement_timeout: the client gives up a little later.
const clientMarginMs = 2000

/**
 * The connection string with the session settings every connection needs. pg lets the string's own
 * `options=` replace the pool's, so they are merged into it: the timeouts first (an operator's own
 * `-c statement_timeout` in the string wins), synchronous_commit last (a commit is on disk before a
 * delivery is acknowledged, whatever the server's or the string's default).
 */
export function withSessionOptions (connectionString: string, timeouts: PostgresTimeouts): string {
  const url = new URL(connectionString)
  const own = url.searchParams.get('options') ?? ''
  const options = [
    `-c statement_timeout=${timeouts.statementMs}`,
    `-c idle_in_transaction_session_timeout=${timeouts.statementMs}`,
    own,
    '-c synchronous_commit=on'
  ].filter((option) => option !== '')
  url.searchParams.set('options', options.join(' '))
  return url.toString()
}

const defaultTimeouts: PostgresTimeouts = { connectMs: 5000, statementMs: 10_000 }

// Statement texts are few and fixed (the batches' multi-row shapes, the store's queries), so each is
// named: a connection parses and plans a text once, then only binds and executes it. Texts built
// from a filter (a list of ids) could be many: past this cap they run unnamed, as before.
const maxNamedStatements = 500

export function openPostgresClient (connectionString: string, timeouts: PostgresTimeouts = defaultTimeouts): SqlClient {
  const pool = new pg.Pool({
    connectionString: withSessionOptions(connectionString, timeouts),
    max: 10,
    types,
    connectionTimeoutMillis: timeouts.connectMs,
    query_timeout: timeouts.statementMs + clientMarginMs,
    // A transaction's statements are written together, then answered in order: one round trip, not one each.
    pipeline: true,
    // A server that vanished without closing the connection (a host gone, a network cut) is noticed.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'stripe-event-router'
  })
  // An idle client's error (the server restarted, say): the pool drops it, the next query reconnects.
  pool.on('error', () => {})

  const statementNames = new Map<string, string>()
  function toQuery ({ sql, params }: SqlStatement): pg.QueryConfig {
    let name = statementNames.get(sql)
    if (name === undefined && statementNames.size < maxNamedStatements) {
      name = `stripe_router_${statementNames.size}`
      statementNames.set(sql, name)
    }
    return { text: sql, values: params as unknown[] | undefined, name }
  }

  /**
   * Runs `work` on a checked-out client. A checked-out client has no listener of the pool's: without
   * one, a dropped connection's 'error' event would crash the process; the failed query reports the
   * same fault. A connection left unusable (cut, timed out, or failing otherwise than by a statement
   * the server refused) is released with its error: the pool discards it, the next query reconnects.
   */
  async function withClient<T> (work: (client: pg.PoolClient) => Promise<{ value: T } | { error: unknown, usable: boolean }>): Promise<T> {
    const client = await pool.connect()
    let broken: Error | undefined
    const onError = (error: Error): void => { broken = error }
    client.on('error', onError)
    let outcome: { value: T } | { error: unknown, usable: boolean }
    try {
      outcome = await work(client)
    } catch (error) {
      outcome = { error, usable: false }
    }
    try {
      if ('value' in outcome) return outcome.value
      if (!outcome.usable) broken ??= outcome.error as Error
      throw outcome.error
    } finally {
      client.removeListener('error', onError)
      client.release(broken)
    }
  }

  /** The statements sent in one write (pg's pipeline mode): each is answered in order, with its own result. */
  function sendCorked (client: pg.PoolClient, statements: readonly SqlStatement[], first?: string): Array<Promise<pg.QueryResult>> {
    // A write on a loopback socket costs a system call and the server's wake-up: each statement's own
    // showed as the hottest function in profiles.
    const { stream } = client.connection
    stream.cork()
    try {
      const sent = first === undefined ? [] : [client.query(first)]
      for (const statement of statements) sent.push(client.query(toQuery(statement)))
      return sent
    } finally {
      stream.uncork()
    }
  }

  // Single statements issued in the same turn of the event loop with the same text (a worker's
  // handlers each reading their object's history, say) share a connection and a write: each still
  // runs on its own, in its own implicit transaction, answered with its own rows or error. One text
  // per write, so that a slow statement (a prune) never holds up a quick one (a readiness ping).
  let waiting = new Map<string, Array<{ statement: SqlStatement, resolve: (rows: SqlRow[]) => void, reject: (error: unknown) => void }>>()
  function sendWaiting (): void {
    const groups = waiting
    waiting = new Map()
    for (const group of groups.values()) {
      withClient<undefined>(async (client) => {
        const answers = await Promise.allSettled(sendCorked(client, group.map(({ statement }) => statement)))
        answers.forEach((answer, index) => {
          const { resolve, reject } = group[index] as typeof group[number]
          if (answer.status === 'fulfilled') resolve(answer.value.rows as SqlRow[])
          else reject(answer.reason)
        })
        // As pool.query did: a connection that answered any of them with an error is not reused.
        const failed = answers.find((answer): answer is PromiseRejectedResult => answer.status === 'rejected')
        return failed === undefined ? { value: undefined } : { error: failed.reason, usable: false }
      }).catch((error: unknown) => {
        // Not connected, or the connection failed: a statement already answered keeps its answer.
        for (const { reject } of group) reject(error)
      })
    }
  }

  return {
    dialect: postgresDialect,
    query: async (statement) => await new Promise<SqlRow[]>((resolve, reject) => {
      if (waiting.size === 0) setImmediate(sendWaiting)
      let group = waiting.get(statement.sql)
      if (group === undefined) {
        group = []
        waiting.set(statement.sql, group)
      }
      group.push({ statement, resolve, reject })
    }),
    transaction: async (statements) => await withClient<SqlRow[][]>(async (client) => {
      try {
        // BEGIN and the statements in one round trip; COMMIT only once every one of them succeeded, so
        // that a statement failed on the client's side (never sent) cannot leave the others committed.
        const answers = await Promise.allSettled(sendCorked(client, statements, 'BEGIN'))
        const failed = answers.find((answer): answer is PromiseRejectedResult => answer.status === 'rejected')
        if (failed !== undefined) throw failed.reason
        await client.query('COMMIT')
        return { value: answers.slice(1).map((answer) => (answer as PromiseFulfilledResult<pg.QueryResult>).value.rows as SqlRow[]) }
      } catch (error) {
        // A statement the server refused leaves a usable connection to roll back; a dead or timed-out one
        // would wait for nothing, so the pool discards it instead.
        const usable = error instanceof pg.DatabaseError && await client.query('ROLLBACK').then(() => true, () => false)
        return { error, usable }
      }
    }),
    close: async () => { await pool.end() }
  }
}
