// The leak check behind the memory section: the router with its SQLite inbox, in this process, fed
// signed events through inject; after each step a full garbage collection, then V8's heap in use.
// Growth here would be memory held per event; RSS alone cannot tell that from allocator high-water.
// Run by suite.ts as `node --expose-gc --import tsx bench/heap-after-gc.ts <events> <steps>`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import routerApp from '../src/app.js'
import { deliver, paymentIntentSucceeded, settle, TEST_WEBHOOK_SECRET } from '../test/helper.js'

const [total = 100_000, steps = 4] = process.argv.slice(2).map(Number)
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with node --expose-gc')
const dataDir = mkdtempSync(join(tmpdir(), 'stripe-router-heap-'))
const app = Fastify({ logger: { level: 'warn' } })
await app.register(fp(routerApp), { env: { NODE_ENV: 'test', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, DATA_DIR: dataDir, LOG_LEVEL: 'warn' } })
await app.ready()

const checkpoints = [1_000, ...Array.from({ length: steps }, (_, index) => Math.round(total * (index + 1) / steps))]
let sent = 0
for (const checkpoint of checkpoints) {
  // 32 at a time, as the memory run's client sends them.
  while (sent < checkpoint) {
    const batch = Array.from({ length: Math.min(32, checkpoint - sent) }, () => `evt_heap_${sent++}`)
    const statuses = await Promise.all(batch.map(async (id) => (await deliver(app, paymentIntentSucceeded(id))).statusCode))
    if (statuses.some((status) => status !== 200)) throw new Error(`statuses ${statuses.join(',')}`)
  }
  await settle(app)
  gc()
  gc()
  console.log(JSON.stringify({ events: checkpoint, heapUsedMiB: process.memoryUsage().heapUsed / 1048576 }))
}
await app.close()
rmSync(dataDir, { recursive: true, force: true })
