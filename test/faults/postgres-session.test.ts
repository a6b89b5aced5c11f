// The service's PostgreSQL sessions, on a cluster of the test's own whose defaults are the unsafe
// ones: every session commits synchronously and has its timeouts, whatever the server or the
// connection string say, and a dropped connection in the middle of a transaction is an error, not a crash.
import { test } from 'tap'
import { createScratchSchema } from '../helpers/postgres.js'
import { openPostgresClient } from '../../src/store/postgres-client.js'
import { throwawayPostgres } from '../helpers/throwaway-postgres.js'

test('every session commits synchronously and has its timeouts, keeping the connection string\'s own options', async (t) => {
  const cluster = await throwawayPostgres(t, { settings: { synchronous_commit: 'off', statement_timeout: '0' } })
  const scratch = await createScratchSchema(cluster.url, 'session')
  const client = openPostgresClient(scratch.url, { connectMs: 1000, statementMs: 1500 })
  t.teardown(() => client.close())
  const [settings] = await client.query({
    sql: `SELECT current_setting('synchronous_commit') AS synchronous_commit, current_setting('statement_timeout') AS statement_timeout,
      current_setting('idle_in_transaction_session_timeout') AS idle_timeout, current_schema() AS schema`
  })
  t.same(settings, { synchronous_commit: 'on', statement_timeout: '1500ms', idle_timeout: '1500ms', schema: new URL(scratch.url).searchParams.get('options')?.split('=')[1] })
  await t.rejects(client.query({ sql: 'SELECT pg_sleep(5)' }), { code: '57014' }, 'a statement past the timeout is cancelled by the server')
})

test('a connection cut in the middle of a transaction fails that transaction; the next one reconnects', async (t) => {
  const cluster = await throwawayPostgres(t)
  const client = openPostgresClient(cluster.url, { connectMs: 1000, statementMs: 5000 })
  t.teardown(() => client.close())
  await client.query({ sql: 'CREATE TABLE marks (id INT)' })
  // The transaction's client is checked out and waiting when its backend is terminated.
  const cut = t.rejects(client.transaction([{ sql: 'INSERT INTO marks VALUES (1)' }, { sql: 'SELECT pg_sleep(3)' }]),
    { code: '57P01' }, 'the transaction fails with the cause')
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(await cluster.terminateBackends(), 1, 'the checked-out backend is terminated')
  await cut
  t.same(await client.query({ sql: 'SELECT count(*)::int AS n FROM marks' }), [{ n: 0 }], 'nothing of it was committed, and the pool reconnected')

  // The same with the server gone: a crash stop, then a start.
  const during = t.rejects(client.transaction([{ sql: 'SELECT pg_sleep(3)' }]), 'a transaction under way when the server stops fails')
  await new Promise((resolve) => setTimeout(resolve, 300))
  await cluster.stop()
  await during
  await t.rejects(client.query({ sql: 'SELECT 1' }), { code: 'ECONNREFUSED' }, 'while it is down, queries fail at once')
  await cluster.start()
  t.same(await client.query({ sql: 'SELECT 1 AS ok' }), [{ ok: 1 }], 'once it is back, the pool reconnects by itself')
})
