// The migration runner: applies schema.ts's numbered migrations that a database lacks, each once,
// so that any number of replicas may start against one database at the same moment.
import { migrations } from './schema.js'
import type { SqlClient, SqlStatement } from './sql-client.js'

async function appliedVersions (client: SqlClient): Promise<Set<number>> {
  const rows = await client.query({ sql: 'SELECT version FROM stripe_router_migrations' })
  return new Set(rows.map((row) => Number(row.version)))
}

/** Creates or migrates the schema; see EventStore.migrate. Throws the database's error when a migration fails. */
export async function migrate (client: SqlClient): Promise<void> {
  const { dialect } = client
  const lock: SqlStatement[] = dialect.migrationLock === null ? [] : [{ sql: dialect.migrationLock }]
  // Under the migration lock: two PostgreSQL sessions creating the same table at once both pass
  // IF NOT EXISTS, and the second fails on the catalog's unique index (23505) instead of waiting.
  await client.transaction([
    ...lock,
    { sql: 'CREATE TABLE IF NOT EXISTS stripe_router_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)' }
  ])
  for (const [index, ddl] of migrations(dialect).entries()) {
    const version = index + 1
    if ((await appliedVersions(client)).has(version)) continue
    const statements: SqlStatement[] = [
      ...lock,
      // First, so that a replica that lost the race fails here and rolls back, not halfway.
      { sql: 'INSERT INTO stripe_router_migrations (version, applied_at) VALUES ($1, $2)', params: [version, Date.now()] },
      ...ddl.map((sql) => ({ sql }))
    ]
    try {
      await client.transaction(statements)
    } catch (error) {
      // Another replica applied this version meanwhile: its work is ours.
      if (!(await appliedVersions(client)).has(version)) throw error
    }
  }
}

/** Whether `migrate` has created the schema here: false for an empty database or file; see EventStore.exists. */
export async function schemaExists (client: SqlClient): Promise<boolean> {
  const [row] = await client.query({
    sql: client.dialect.name === 'postgres'
      ? "SELECT to_regclass('stripe_events') IS NOT NULL AS present"
      : "SELECT COUNT(*) AS present FROM sqlite_master WHERE type = 'table' AND name = 'stripe_events'"
  })
  return row?.present === true || Number(row?.present) === 1
}
