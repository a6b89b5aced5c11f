// The WAL is moved into the SQLite file by the checkpoint worker, not by a commit on the event loop:
// right after the commits the file holds none of their pages, a second later it holds them all.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'tap'
import { openSqliteClient } from '../../src/store/sqlite-client.js'
import { temporaryDir } from '../helper.js'

// Some 4 MiB of rows, about 1,000 pages: past SQLite's default autocheckpoint, short of the store's.
async function writeRows (client: ReturnType<typeof openSqliteClient>): Promise<void> {
  await client.query({ sql: 'CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)' })
  for (let batch = 0; batch < 16; batch++) {
    await client.transaction(Array.from({ length: 64 }, () => ({ sql: 'INSERT INTO blobs (body) VALUES (randomblob(4000))' })))
  }
}

test('commits leave the checkpoint to the worker, which moves the WAL into the file within about a second', async (t) => {
  const file = join(temporaryDir(t), 'events.sqlite')
  const client = openSqliteClient(file)
  await writeRows(client)
  const rightAfter = statSync(file).size
  t.ok(rightAfter < 1_000_000, `no commit checkpointed on the event loop (the file holds ${rightAfter} bytes)`)
  let later = rightAfter
  for (let tries = 0; tries < 40 && later < 4_000_000; tries++) {
    await sleep(100)
    later = statSync(file).size
  }
  t.ok(later >= 4_000_000, `the worker checkpointed the rows into the file (${later} bytes)`)
  await client.close()
  const [row] = await openAndCount(file)
  t.equal(row, 1024, 'every row is there after close')
})

test('without the worker the store checkpoints on its own connection, as before', async (t) => {
  const file = join(temporaryDir(t), 'events.sqlite')
  const client = openSqliteClient(file, { checkpointInWorker: false })
  await writeRows(client)
  await sleep(1500)
  t.ok(statSync(file).size < 1_000_000, 'nothing moved the WAL under 10,000 pages')
  await client.close()
})

test('close waits for the worker and leaves nothing running: a client opened and closed at once', async (t) => {
  const file = join(temporaryDir(t), 'events.sqlite')
  const client = openSqliteClient(file)
  await client.close()
  t.pass('closed')
})

async function openAndCount (file: string): Promise<number[]> {
  const client = openSqliteClient(file, { checkpointInWorker: false })
  const rows = await client.query({ sql: 'SELECT COUNT(*) AS n FROM blobs' })
  await client.close()
  return rows.map((row) => Number(row.n))
}
