// The SQLite client's checkpoints: a commit that crosses the WAL limit moves the WAL into the
// database before it returns, so the limit bounds how long any one delivery's commit can take.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { buildApp, deliver, paymentIntentSucceeded, settle, temporaryDir } from '../helper.js'

test('the WAL is checkpointed every 1,000 pages under a stream of deliveries, so no commit carries a larger checkpoint', async (t) => {
  const dataDir = temporaryDir(t)
  const { app } = await buildApp(t, { env: { EVENT_STORE: 'sqlite', DATA_DIR: dataDir } })
  const pageSize = 4096
  const wal = join(dataDir, 'events.sqlite-wal')
  // 50 at a time, as under 50 connections: each batch one commit. 1,500 events write about 2,600
  // pages (measured with checkpoints every 10,000 pages, when the WAL held them all).
  let acknowledged = 0
  for (let batch = 0; batch < 30; batch++) {
    const answers = await Promise.all(Array.from({ length: 50 }, async (_, index) =>
      await deliver(app, paymentIntentSucceeded(`evt_checkpoint_${batch}_${index}`))))
    acknowledged += answers.filter((answer) => answer.statusCode === 200).length
  }
  await settle(app)
  t.equal(acknowledged, 1500, 'every delivery acknowledged')
  const counts = await app.eventInbox.store?.countByStatus()
  t.equal(counts?.handled, 1500, 'and handled')
  // The WAL file keeps its largest size: the limit plus the commit that crossed it.
  const walPages = statSync(wal).size / pageSize
  t.ok(walPages <= 1500, `the WAL grew to ${walPages.toFixed(0)} pages, at most a few batches past 1,000`)
})
