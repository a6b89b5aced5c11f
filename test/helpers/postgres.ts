// The real PostgreSQL for tests: each test gets a schema of its own, dropped when it ends. Where no
// server answers, PostgreSQL tests are skipped and say so; CI sets REQUIRE_POSTGRES=1, so there
// they fail instead of skipping.
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const required = process.env.REQUIRE_POSTGRES === '1'

interface TestLike {
  teardown: (fn: () => unknown) => void
  plan: (count: number, comment?: string) => void
  comment: (message: string) => void
}

let reachable: Promise<string | null> | undefined

async function probe (): Promise<string | null> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return null
  } catch (error) {
    return (error as Error).message
  } finally {
    await client.end().catch(() => {})
  }
}

/** Why PostgreSQL cannot be used here, or null when it can. Throws when it is required. */
export async function postgresUnavailable (): Promise<string | null> {
  reachable ??= probe()
  const reason = await reachable
  if (reason !== null && required) {
    throw new Error(`PostgreSQL is required (REQUIRE_POSTGRES=1) but ${postgresUrl} did not answer: ${reason}`)
  }
  return reason
}

/**
 * A connection string to a fresh schema, or null (with the test marked skipped) when no
 * PostgreSQL server answers on this machine.
 */
export async function freshPostgresSchema (t: TestLike): Promise<string | null> {
  const reason = await postgresUnavailable()
  if (reason !== null) {
    const message = `PostgreSQL test SKIPPED: no server at ${postgresUrl} (${reason}); start PostgreSQL or set TEST_DATABASE_URL to run it`
    t.comment(message)
    // A plan of zero marks the test as skipped, with the reason, in tap's report and summary.
    t.plan(0, message)
    return null
  }
  const scratch = await createScratchSchema(postgresUrl, 'router_test')
  t.teardown(scratch.drop)
  return scratch.url
}

async function runAdmin (connectionString: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** A new, empty schema on the server at `baseUrl`: a connection string scoped to it, and how to drop it. */
export async function createScratchSchema (baseUrl: string, prefix: string): Promise<{ url: string, drop: () => Promise<void> }> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`
  await runAdmin(baseUrl, `CREATE SCHEMA ${schema}`)
  const url = new URL(baseUrl)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return { url: url.toString(), drop: async () => { await runAdmin(baseUrl, `DROP SCHEMA ${schema} CASCADE`) } }
}

export type Backend = 'sqlite' | 'postgres'
export const backends: readonly Backend[] = ['sqlite', 'postgres']

/** The settings that put an app on `backend`, or null when that backend is skipped here. */
export async function backendEnv (t: TestLike, backend: Backend): Promise<Record<string, string> | null> {
  if (backend === 'sqlite') return { EVENT_STORE: 'sqlite' }
  const url = await freshPostgresSchema(t)
  return url === null ? null : { DATABASE_URL: url }
}
