// Soak: sends 100,000 signed events to the built service, a tenth of them again (some at the same
// moment, some later), then checks by the store's own record that every distinct event was stored
// once and handled exactly once.
//
//   npm run soak -- [--events 100000] [--duplicates 0.1] [--store sqlite|postgres]
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { projectRoot, startServer } from './lib/servers.js'
import { createDeliverer } from './lib/deliverer.js'

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    duplicates: { type: 'string', default: '0.1' },
    store: { type: 'string', default: 'sqlite' }
  }
})
const total = Number(values.events)
const duplicateShare = Number(values.duplicates)
const fixture = JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/payment_intent.succeeded.json'), 'utf8')) as { id: string }
const server = await startServer({ kind: 'router', env: { EVENT_STORE: values.store, WORKER_CONCURRENCY: '32' } })
const { deliver, close } = createDeliverer(server.url, JSON.stringify({ ...fixture, id: '@@EVENT_ID@@' }))

// The delivery plan: every id once, and a share of them again, at once or later, shuffled in.
const plan: string[] = []
for (let index = 0; index < total; index++) {
  const id = `evt_soak_${index}`
  plan.push(id)
  if (Math.random() < duplicateShare) {
    if (Math.random() < 0.5) plan.push(id)
    else plan.splice(Math.floor(Math.random() * plan.length), 0, id)
  }
}

const startedAt = Date.now()
const statuses = new Map<number, number>()
let next = 0
await Promise.all(Array.from({ length: 32 }, async () => {
  while (next < plan.length) {
    const status = await deliver(plan[next++] as string)
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
  }
}))
const sentSeconds = (Date.now() - startedAt) / 1000
console.log(`sent ${plan.length} deliveries of ${total} events in ${sentSeconds.toFixed(1)} s; answers: ${JSON.stringify(Object.fromEntries(statuses))}`)

let counts = await server.storeCounts()
for (let waited = 0; (counts?.handled ?? 0) < total && waited < 300; waited++) {
  await new Promise((resolve) => setTimeout(resolve, 1000))
  counts = await server.storeCounts()
}
const check = await server.handledOnceCheck()
close()
await server.stop()

const problems: string[] = []
if (counts?.stored !== total) problems.push(`stored ${counts?.stored} events, expected ${total}`)
if (counts?.handled !== total) problems.push(`handled ${counts?.handled} events, expected ${total}`)
if (check.handledTwice > 0) problems.push(`${check.handledTwice} events have more than one handled attempt`)
if (check.neverHandled > 0) problems.push(`${check.neverHandled} events have no handled attempt`)
if ((statuses.get(200) ?? 0) !== plan.length) problems.push('not every delivery was answered 200')
console.log(`store: ${counts?.stored} stored, ${counts?.handled} handled; ${check.handledTwice} handled twice; ${check.neverHandled} never handled`)
console.log(problems.length === 0 ? 'soak passed: each distinct event handled exactly once' : `soak FAILED: ${problems.join('; ')}`)
process.exitCode = problems.length === 0 ? 0 : 1
