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
  migrationLock: 'SELECT pg_advisory_xact_lock(4242424242)'
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

  return {
    dialect: postgresDialect,
    // pool.query listens for the client's errors and discards a broken client itself.
    query: async (statement) => (await pool.query(toQuery(statement))).rows as SqlRow[],
    transaction: async (statements) => {
      const client = await pool.connect()
      // A checked-out client has no listener of the pool's: without one, a dropped connection's
      // 'error' event would crash the process. The failed query below reports the same fault.
      let broken: Error | undefined
      const onError = (error: Error): void => { broken = error }
      client.on('error', onError)
      try {
        // BEGIN and the statements in one round trip; COMMIT only once every one of them succeeded, so
        // that a statement failed on the client's side (never sent) cannot leave the others committed.
        // Corked, the pipeline leaves in one write: a write on a loopback socket costs a system call
        // and the server's wake-up, each statement's own showed as the hottest function in profiles.
        const { stream } = client.connection
        stream.cork()
        let sent: Array<Promise<pg.QueryResult>>
        try {
          sent = [client.query('BEGIN'), ...statements.map(async (statement) => await client.query(toQuery(statement)))]
        } finally {
          stream.uncork()
        }
        const answers = await Promise.allSettled(sent)
        const failed = answers.find((answer): answer is PromiseRejectedResult => answer.status === 'rejected')
        if (failed !== undefined) throw failed.reason
        await client.query('COMMIT')
        return answers.slice(1).map((answer) => (answer as PromiseFulfilledResult<pg.QueryResult>).value.rows as SqlRow[])
      } catch (error) {
        // A statement the server refused leaves a usable connection to roll back; a dead or timed-out one
        // would wait for nothing, so the pool discards it instead.
        broken ??= error as Error
        if (error instanceof pg.DatabaseError) {
          await client.query('ROLLBACK').then(() => { broken = undefined }, () => {})
        }
        throw error
      } finally {
        client.removeListener('error', onError)
        client.release(broken)
      }
    },
    close: async () => { await pool.end() }
  }
}
