// The PostgreSQL client's own rules, on the real server: statements sent together (a transaction's,
// or single ones of one event-loop turn) are still answered one by one, and a transaction commits
// all of its statements or none.
import { test, type Test } from 'tap'
import type { SqlClient, SqlValue } from '../../src/store/sql-client.js'
import { openPostgresClient } from '../../src/store/postgres-client.js'
import { freshPostgresSchema } from '../helpers/postgres.js'

async function openClient (t: Test): Promise<SqlClient | null> {
  const url = await freshPostgresSchema(t)
  if (url === null) return null
  const client = openPostgresClient(url)
  t.teardown(client.close)
  return client
}

async function marks (client: SqlClient): Promise<number[]> {
  return (await client.query({ sql: 'SELECT id FROM marks ORDER BY id' })).map((row) => row.id as number)
}

test('single statements issued together each get their own answer: one the server refuses fails alone', async (t) => {
  const client = await openClient(t)
  if (client === null) return
  const divisors = [1, 2, 0, 4, 5]
  const answers = await Promise.allSettled(divisors.map(async (divisor) =>
    await client.query({ sql: 'SELECT 100 / CAST($1 AS INTEGER) AS quotient', params: [divisor] })))
  t.same(answers.map((answer) => answer.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
  t.same(answers.flatMap((answer) => answer.status === 'fulfilled' ? answer.value : []), [{ quotient: 100 }, { quotient: 50 }, { quotient: 25 }, { quotient: 20 }])
  t.match(answers[2], { status: 'rejected', reason: { code: '22012' } }, 'with the server\'s reason')
  t.same(await client.query({ sql: 'SELECT 100 / CAST($1 AS INTEGER) AS quotient', params: [10] }), [{ quotient: 10 }], 'and the text runs again')
})

test('a transaction one of whose statements the server refuses commits none of them, and the next one commits', async (t) => {
  const client = await openClient(t)
  if (client === null) return
  await client.query({ sql: 'CREATE TABLE marks (id INTEGER PRIMARY KEY)' })
  const insert = (id: number): { sql: string, params: SqlValue[] } => ({ sql: 'INSERT INTO marks (id) VALUES ($1) RETURNING id', params: [id] })
  await t.rejects(client.transaction([insert(1), insert(1), insert(2)]), { code: '23505' }, 'the first refusal is the error')
  t.same(await marks(client), [], 'nothing of it committed')
  t.same(await client.transaction([insert(3), insert(4)]), [[{ id: 3 }], [{ id: 4 }]], 'each statement answers with its rows')
  t.same(await marks(client), [3, 4])
})

test('a statement that fails before it is sent leaves the other statements of its transaction uncommitted', async (t) => {
  const client = await openClient(t)
  if (client === null) return
  await client.query({ sql: 'CREATE TABLE marks (id INTEGER PRIMARY KEY)' })
  // pg asks a value for its wire form while it writes the statement: this one cannot give it.
  const unwritable = { toPostgres: () => { throw new Error('no wire form') } } as unknown as SqlValue
  await t.rejects(client.transaction([
    { sql: 'INSERT INTO marks (id) VALUES ($1)', params: [1] },
    { sql: 'INSERT INTO marks (id) VALUES ($1)', params: [unwritable] },
    { sql: 'INSERT INTO marks (id) VALUES ($1)', params: [2] }
  ]), { message: 'no wire form' })
  t.same(await marks(client), [], 'nothing of it committed')
  await client.transaction([{ sql: 'INSERT INTO marks (id) VALUES ($1)', params: [5] }])
  t.same(await marks(client), [5], 'the next transaction commits')
})

test('statement texts past the named ones still run', async (t) => {
  const client = await openClient(t)
  if (client === null) return
  const texts = Array.from({ length: 520 }, (_, index) => `SELECT ${index} AS n`)
  const answers = await Promise.all(texts.map(async (sql) => await client.query({ sql })))
  t.same(answers.map(([row]) => row?.n), texts.map((_, index) => index))
  t.same(await client.query({ sql: 'SELECT 519 AS n' }), [{ n: 519 }], 'and run again')
})
