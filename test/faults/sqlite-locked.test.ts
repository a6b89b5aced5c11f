// Another process holds the SQLite file's write lock (BEGIN EXCLUSIVE) for seconds: the service keeps
// answering /healthz at once, refuses deliveries with 503 within two seconds instead of freezing,
// and takes them again, each handled once, when the lock goes.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { test } from 'tap'
import { handledTwice } from '../helpers/side-effects.js'
import { temporaryDir } from '../helper.js'
import { awaitSideEffects, countedDeliveries, probe, startSqliteServer, tally, waitFor, type Answer } from '../helpers/sqlite-kit.js'

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))
const lockMs = 4000

// A second process on the same file, as the events CLI or a backup script would be.
const lockHolder = `
const Database = require('better-sqlite3')
const db = new Database(process.argv[1], { timeout: 10000 })
db.exec('BEGIN EXCLUSIVE')
console.log('locked')
setTimeout(() => { db.exec('COMMIT'); console.log('released') }, Number(process.argv[2]))
`

test('a file locked by another process: /healthz answers, deliveries get 503 within 2 s, then 200 once the lock goes', async (t) => {
  const dataDir = temporaryDir(t)
  const effectsFile = join(temporaryDir(t), 'effects')
  const server = await startSqliteServer(dataDir)
  t.teardown(() => server.child.kill('SIGKILL'))
  const deliveries = countedDeliveries(server.url, 'evt_locked', effectsFile)
  const { send, acknowledged } = deliveries
  for (let i = 0; i < 5; i++) t.equal((await send()).status, 200, 'before the lock: 200')

  const holder = spawn(process.execPath, ['-e', lockHolder, join(dataDir, 'events.sqlite'), String(lockMs)], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => holder.kill('SIGKILL'))
  const lines = createInterface({ input: holder.stdout })
  let lockedAt = 0
  let releasedAt = Infinity
  await new Promise<void>((resolve) => lines.on('line', (line) => {
    if (line === 'locked') { lockedAt = performance.now(); resolve() }
    if (line === 'released') releasedAt = performance.now()
  }))

  const health: Answer[] = []
  const duringLock: Answer[] = []
  const readyDuringLock: Answer[] = []
  const released = (): boolean => releasedAt !== Infinity
  await Promise.all([
    (async () => { while (!released()) { health.push(await probe(server.url, '/healthz')); await new Promise((resolve) => setTimeout(resolve, 100)) } })(),
    // An orchestrator's readiness probe and a Prometheus scrape every 300 ms: their reads go through
    // under the write lock (WAL), and must not stretch the deliveries' wait for it.
    (async () => {
      while (!released()) {
        await probe(server.url, '/readyz')
        await probe(server.url, '/metrics')
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
    })(),
    // Once a write has failed (after SQLITE_LOCK_TIMEOUT_MS, 1.5 s), readiness reports the lock.
    (async () => { await new Promise((resolve) => setTimeout(resolve, 2000)); readyDuringLock.push(await probe(server.url, '/readyz')) })(),
    // Four senders, as Stripe's deliveries overlap; only answers that came back while the lock held count here.
    ...Array.from({ length: 4 }, async () => {
      while (!released()) {
        const answer = await send()
        if (performance.now() < releasedAt) duringLock.push(answer)
      }
    })
  ])

  // Recovery: the first 200 and a ready /readyz after the lock is gone.
  let recoveredAt = 0
  await waitFor(async () => (await send()).status === 200 && (recoveredAt = performance.now()) > 0, 10_000)
  const readyAgain = await waitFor(async () => (await probe(server.url, '/readyz')).status === 200, 10_000)
  for (let i = 0; i < 5; i++) t.equal((await send()).status, 200, 'after the lock: 200')
  const counts = await awaitSideEffects(effectsFile, acknowledged, 15_000)

  const slowestHealth = Math.max(...health.map((answer) => answer.ms))
  const slowestDelivery = Math.max(...duringLock.map((answer) => answer.ms))
  const lost = [...acknowledged].filter((id) => !counts.has(id))
  t.ok(health.length >= 10, `/healthz probed ${health.length} times during the lock`)
  t.ok(health.every((answer) => answer.status === 200), '/healthz kept answering 200')
  t.ok(slowestHealth < 1000, `/healthz answered within 1 s (slowest ${slowestHealth.toFixed(0)} ms)`)
  t.ok(duringLock.length > 0, 'deliveries were answered during the lock')
  t.same(duringLock.filter((answer) => answer.status !== 503).map((answer) => answer.status), [], 'every delivery during the lock got 503')
  t.ok(duringLock.every((answer) => JSON.parse(answer.body).code === 'STORE_UNAVAILABLE'), 'with code STORE_UNAVAILABLE')
  t.ok(slowestDelivery < 2000, `each within 2 s (slowest ${slowestDelivery.toFixed(0)} ms)`)
  t.equal(readyDuringLock[0]?.status, 503, `/readyz 503 during the lock: ${readyDuringLock[0]?.body ?? ''}`)
  t.ok((readyDuringLock[0]?.ms ?? Infinity) < 2000, `and it answered in ${readyDuringLock[0]?.ms.toFixed(0) ?? '-'} ms`)
  t.ok(readyAgain, '/readyz 200 again after the lock')
  t.same(lost, [], 'every acknowledged event was handled')
  t.same(handledTwice(counts), [], 'none twice')
  t.comment(`lock held ${(releasedAt - lockedAt).toFixed(0)} ms; sent ${deliveries.sent}, 2xx ${acknowledged.size}, handled ${counts.size}, handled twice ${handledTwice(counts).length}, lost ${lost.length}`)
  t.comment(`answers during the lock: ${tally(duringLock)} (slowest ${slowestDelivery.toFixed(0)} ms); /healthz ${health.length}× ${tally(health)}, slowest ${slowestHealth.toFixed(0)} ms`)
  t.comment(`first 200 ${(recoveredAt - releasedAt).toFixed(0)} ms after the lock went`)
})
