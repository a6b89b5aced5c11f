// The shared store's database, for several replicas behind one load balancer.
import pg from 'pg'
import type { SqlClient, SqlDialect, SqlRow } from './sql-client.js'

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

export function openPostgresClient (connectionString: string): SqlClient {
  const pool = new pg.Pool({ connectionString, max: 10, types })
  // An idle client's error (the server restarted, say) must not crash the process; the next query reconnects.
  pool.on('error', () => {})

  return {
    dialect: postgresDialect,
    query: async ({ sql, params }) => (await pool.query(sql, params as unknown[])).rows as SqlRow[],
    transaction: async (statements) => {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const results: SqlRow[][] = []
        for (const { sql, params } of statements) results.push((await client.query(sql, params as unknown[])).rows as SqlRow[])
        await client.query('COMMIT')
        return results
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      } finally {
        client.release()
      }
    },
    close: async () => { await pool.end() }
  }
}
