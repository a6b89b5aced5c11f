// The data volume fills up (a real tmpfs of a few MiB): deliveries get 503 STORE_UNAVAILABLE and
// /readyz 503 with the reason, the process stays up; once space comes back, deliveries are stored
// again and every acknowledged event is handled once.
import { closeSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { temporaryDir } from '../helper.js'
import { handledTwice } from '../helpers/side-effects.js'
import { mountTmpfs } from '../helpers/file-systems.js'
import { awaitSideEffects, countedDeliveries, probe, startSqliteServer, tally, waitFor, type Answer } from '../helpers/sqlite-kit.js'

/** Writes zeros to `file` until the file system has no page left. */
function fillUp (file: string): number {
  const fd = openSync(file, 'w')
  const page = Buffer.alloc(4096)
  let written = 0
  try {
    for (;;) written += writeSync(fd, page)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
  } finally {
    closeSync(fd)
  }
  return written
}

test('a full disk: 503 and /readyz 503, no crash; when space comes back, 200 and every acknowledged event handled once', async (t) => {
  const volume = mountTmpfs(t, 4096)
  const dataDir = join(volume, 'data')
  const effectsFile = join(temporaryDir(t), 'effects')
  const server = await startSqliteServer(dataDir)
  t.teardown(() => server.child.kill('SIGKILL'))
  const deliveries = countedDeliveries(server.url, 'evt_full', effectsFile)
  const { send, acknowledged } = deliveries
  for (let i = 0; i < 20; i++) t.equal((await send()).status, 200, 'before the disk fills: 200')
  // Settled before the fault: recording a run's end on a full disk is another part's concern.
  await awaitSideEffects(effectsFile, acknowledged, 10_000)
  await new Promise((resolve) => setTimeout(resolve, 300))

  const filler = join(volume, 'filler')
  const filled = fillUp(filler)
  const whileFull: Answer[] = []
  for (let i = 0; i < 20; i++) whileFull.push(await send())
  const readyWhileFull = await probe(server.url, '/readyz')
  const health = await probe(server.url, '/healthz')

  t.same(whileFull.filter((answer) => answer.status !== 503).map((answer) => answer.status), [], 'every delivery on the full disk got 503')
  t.ok(whileFull.every((answer) => JSON.parse(answer.body).code === 'STORE_UNAVAILABLE'), 'with code STORE_UNAVAILABLE')
  t.ok(whileFull.every((answer) => !answer.body.includes('SQLITE') && !answer.body.includes(dataDir)), 'the reply names neither the cause nor the file: those are for the log')
  t.equal(readyWhileFull.status, 503, '/readyz 503')
  t.match(JSON.parse(readyWhileFull.body).store, /^unavailable: .*SQLITE_FULL/, `with the reason: ${JSON.parse(readyWhileFull.body).store as string}`)
  t.equal(health.status, 200, 'the process is up (/healthz 200)')
  t.equal(server.child.exitCode, null, 'and has not exited')

  const freedAt = performance.now()
  rmSync(filler)
  let recoveredAt = 0
  const stored = await waitFor(async () => (await send()).status === 200 && (recoveredAt = performance.now()) > 0, 10_000)
  const readyAgain = await waitFor(async () => (await probe(server.url, '/readyz')).status === 200, 10_000)
  for (let i = 0; i < 10; i++) t.equal((await send()).status, 200, 'after space came back: 200')
  const counts = await awaitSideEffects(effectsFile, acknowledged, 15_000)
  const lost = [...acknowledged].filter((id) => !counts.has(id))

  t.ok(stored, 'deliveries are stored again once space is back')
  t.ok(readyAgain, '/readyz 200 again')
  t.same(lost, [], 'every acknowledged event was handled')
  t.same(handledTwice(counts), [], 'none twice')
  t.comment(`tmpfs 4 MiB, filler ${(filled / 1048576).toFixed(1)} MiB; sent ${deliveries.sent}, 2xx ${acknowledged.size}, handled ${counts.size}, handled twice ${handledTwice(counts).length}, lost ${lost.length}`)
  t.comment(`answers while full: ${tally(whileFull)}; /readyz ${readyWhileFull.status} ${JSON.parse(readyWhileFull.body).store as string}`)
  t.comment(`first 200 ${(recoveredAt - freedAt).toFixed(0)} ms after space came back`)
})
