// DATA_DIR deleted (rm -rf) under the running service: writes are refused with 503 instead of going
// into the unlinked file, /readyz says why, one error line says so; a restart on the empty directory
// warns that a new, empty store was created, naming its path.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { temporaryDir } from '../helper.js'
import { exited } from '../helpers/server-process.js'
import { handledTwice } from '../helpers/side-effects.js'
import { awaitSideEffects, countedDeliveries, probe, startSqliteServer, tally, waitFor, type Answer } from '../helpers/sqlite-kit.js'

const replacedLine = (entry: Record<string, unknown>): boolean => String(entry.msg).startsWith('the SQLite file ') && entry.level === 50
const createdLine = (file: string) => (entry: Record<string, unknown>): boolean =>
  entry.msg === `a new, empty event store was created at ${file}` && entry.level === 40

test('DATA_DIR deleted while running: 503, /readyz 503, one error line; the restart warns of the new, empty store', async (t) => {
  const dataDir = join(temporaryDir(t), 'data')
  const file = join(dataDir, 'events.sqlite')
  const effectsFile = join(temporaryDir(t), 'effects')
  const server = await startSqliteServer(dataDir)
  t.teardown(() => server.child.kill('SIGKILL'))
  t.ok(server.logs.some(createdLine(file)), 'the first start warns that it created the store, with its path')

  const deliveries = countedDeliveries(server.url, 'evt_deleted', effectsFile)
  const { send, acknowledged } = deliveries
  for (let i = 0; i < 10; i++) t.equal((await send()).status, 200, 'before the deletion: 200')
  await awaitSideEffects(effectsFile, acknowledged, 10_000)

  const deletedAt = performance.now()
  rmSync(dataDir, { recursive: true, force: true })
  const afterDeletion: Answer[] = []
  for (let i = 0; i < 20; i++) afterDeletion.push(await send())
  const ready = await probe(server.url, '/readyz')
  const detectedMs = performance.now() - deletedAt

  t.same(afterDeletion.filter((answer) => answer.status !== 503).map((answer) => answer.status), [], 'every delivery after the deletion got 503')
  t.equal(ready.status, 503, '/readyz 503')
  t.match(JSON.parse(ready.body).store, /the SQLite file .*events\.sqlite was deleted or replaced/, `/readyz says why: ${JSON.parse(ready.body).store as string}`)
  t.equal(server.logs.filter(replacedLine).length, 1, 'one error line for the lost file')
  t.ok(server.logs.filter(replacedLine).every((entry) => entry.file === file), 'naming its path')

  server.child.kill('SIGTERM')
  const exitCode = await exited(server.child)
  const restarted = await startSqliteServer(dataDir)
  t.teardown(() => restarted.child.kill('SIGKILL'))
  t.ok(restarted.logs.some(createdLine(file)), `the restart warns: a new, empty event store was created at ${file}`)
  const counts = await awaitSideEffects(effectsFile, acknowledged, 5_000)
  const readyAgain = await waitFor(async () => (await probe(restarted.url, '/readyz')).status === 200, 5_000)
  t.ok(readyAgain, 'the restarted service is ready on its new store')
  t.same(handledTwice(counts), [], 'nothing handled twice')
  t.comment(`sent ${deliveries.sent}, 2xx ${acknowledged.size} (all before the deletion), handled ${counts.size}, handled twice ${handledTwice(counts).length}, lost 0 of those acknowledged`)
  t.comment(`answers after the deletion: ${tally(afterDeletion)}; detected within ${detectedMs.toFixed(0)} ms (the first write after it); exit on SIGTERM ${String(exitCode)}`)
})
