// The SQLite client's own guard on its file, without a server: a file replaced under it (renamed
// over, as a restore from backup would) is refused for good with one error line; a file that
// already existed opens without the warning that a new, empty store was created.
import { copyFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { openSqliteClient, type SqliteLog } from '../../src/store/sqlite-client.js'
import { temporaryDir } from '../helper.js'

function recordingLog (): SqliteLog & { lines: Array<{ level: string, message: string }> } {
  const lines: Array<{ level: string, message: string }> = []
  return {
    lines,
    warn: (_details, message) => { lines.push({ level: 'warn', message }) },
    error: (_details, message) => { lines.push({ level: 'error', message }) }
  }
}

test('a file replaced under the open client: every operation refused with SQLITE_FILE_REPLACED, one error line', async (t) => {
  const file = join(temporaryDir(t), 'events.sqlite')
  const log = recordingLog()
  const client = openSqliteClient(file, { log })
  t.teardown(() => client.close())
  t.same(log.lines, [{ level: 'warn', message: `a new, empty event store was created at ${file}` }], 'creation is a warning naming the path')
  await client.query({ sql: 'CREATE TABLE t (n INTEGER)' })
  await client.transaction([{ sql: 'INSERT INTO t (n) VALUES ($1)', params: [1] }])

  copyFileSync(file, `${file}.restored`)
  renameSync(`${file}.restored`, file)
  await t.rejects(client.transaction([{ sql: 'INSERT INTO t (n) VALUES ($1)', params: [2] }]), { code: 'SQLITE_FILE_REPLACED', message: /the SQLite file .*events\.sqlite was deleted or replaced/ }, 'a write is refused')
  await t.rejects(client.query({ sql: 'SELECT 1 AS ok' }), { code: 'SQLITE_FILE_REPLACED' }, 'a read too (readiness pings with one)')
  await t.rejects(client.query({ sql: 'SELECT 1 AS ok' }), { code: 'SQLITE_FILE_REPLACED' }, 'and it stays refused')
  t.equal(log.lines.filter((line) => line.level === 'error').length, 1, 'one error line, not one per operation')

  const reopened = openSqliteClient(file, { log: recordingLog() })
  t.teardown(() => reopened.close())
  t.same(await reopened.query({ sql: 'SELECT COUNT(*) AS n FROM t' }), [{ n: 1 }], 'the file now at the path has what was written before the copy, not the refused write')
})

test('an existing file opens without the new-store warning', async (t) => {
  const file = join(temporaryDir(t), 'events.sqlite')
  await openSqliteClient(file).close()
  const log = recordingLog()
  const client = openSqliteClient(file, { log })
  t.teardown(() => client.close())
  t.same(log.lines, [], 'nothing to warn about')
})
