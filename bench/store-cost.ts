// What storing costs per event, without HTTP: the durable floor's insert (the reference's own store),
// the least a store that also records each handler's end must add (that insert plus one settling
// UPDATE per event, as the least durable inbox reference does: the handler ends after the 2xx, and
// its end shares the next turn's commit with that turn's inserts), and this router's SQLite
// store doing what the inbox does per event (insert claimed, record the attempt, settle, and the
// per-object read made before each run). Writes come 50 per event-loop turn, as under the suite's 50
// connections, in WAL with synchronous = FULL. CPU time of this process per event, medians of
// interleaved rounds with their range: it shows how much of the inbox's gap to the durable floor is
// its store's work, which no change above the store can win back.
//
//   node --import tsx bench/store-cost.ts [--rounds 5] [--events 20000]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { createSqlEventStore } from '../src/store/sql-event-store.js'
import { openSqliteClient } from '../src/store/sqlite-client.js'
import type { NewEvent } from '../src/store/event-store.js'
import { openReferenceStore } from './reference/reference-store.js'
import { projectRoot } from './lib/servers.js'
import { median, spread } from './lib/stats.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, events: { type: 'string', default: '20000' } } })
const rounds = Number(values.rounds)
const events = Number(values.events)
const perTurn = 50
const payload = readFileSync(join(projectRoot, 'test/fixtures/payment_intent.succeeded.json'))
let sequence = 0
// Stripe's ids are random, so each insert lands on a random page of the id index, as here.
const newIds = (): string[] => Array.from({ length: perTurn }, () => `evt_${(++sequence).toString(36)}${Math.random().toString(36).slice(2, 14)}`)

/** This process's CPU time (user + system) per event while `work` stores `events` events, in µs. */
async function cpuPerEvent (work: (dataDir: string) => Promise<void>): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stripe-router-store-cost-'))
  try {
    const start = process.cpuUsage()
    await work(dataDir)
    const used = process.cpuUsage(start)
    return (used.user + used.system) / events
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function durableFloor (dataDir: string): Promise<void> {
  const store = openReferenceStore('sqlite', dataDir)
  if (store === null) throw new Error('the reference store did not open')
  for (let stored = 0; stored < events; stored += perTurn) {
    store.commit(newIds().map((id) => ({ id, payload })))
    await nextTurn()
  }
}

// The least durable inbox's store (reference-store.ts with settles): the durable floor's table with
// the time each handler's end was recorded, set by one UPDATE per event in the next turn's commit.
// The least any store does that records, durably, that an event's handler ran, so that it does not
// run again.
async function floorAndSettle (dataDir: string): Promise<void> {
  const store = openReferenceStore('sqlite', dataDir, { settles: true })
  if (store === null) throw new Error('the reference store did not open')
  let previous: string[] = []
  for (let stored = 0; stored < events; stored += perTurn) {
    const ids = newIds()
    // Last turn's events end now, as the handlers run a turn behind their inserts.
    store.commit(ids.map((id) => ({ id, payload })), previous)
    previous = ids
    await nextTurn()
  }
  store.commit([], previous)
}

function newEvent (id: string): NewEvent {
  return { id, type: 'payment_intent.succeeded', account: null, livemode: false, apiVersion: '2024-06-20', created: Math.floor(Date.now() / 1000), receivedAt: Date.now(), objectId: `pi_${id.slice(4)}`, source: 'webhook', payload }
}

// The inbox's store work for a first delivery run from a reserved slot: stored claimed, the
// object's newer handled event looked up, the attempt recorded and the event settled. The ends
// of one turn's runs share the next turn's commit with its inserts, as under load.
async function routerStore (dataDir: string): Promise<void> {
  const store = createSqlEventStore(openSqliteClient(join(dataDir, 'events.sqlite')))
  await store.migrate()
  let lease = 0
  let ending: Array<Promise<unknown>> = []
  for (let stored = 0; stored < events; stored += perTurn) {
    const turn = newIds().map(async (id) => {
      const event = newEvent(id)
      const owner = `bench:${++lease}`
      await store.insert(event, { status: 'processing', owner, leaseExpiresAt: Date.now() + 60_000 })
      await store.newestHandledAfter(event.objectId as string, event.created, { pattern: 'payment_intent.succeeded', except: [] })
      const now = Date.now()
      return await store.finishAttempt({ eventId: id, attempt: 1, worker: owner, startedAt: now, finishedAt: now, outcome: 'handled', error: null }, { status: 'handled' }, owner)
    })
    await Promise.all(ending)
    ending = turn
  }
  await Promise.all(ending)
  await store.close()
}

const variants: Array<[string, (dataDir: string) => Promise<void>]> = [
  ['durable floor: insert (id, payload)', durableFloor],
  ['least durable inbox: insert + settle', floorAndSettle],
  ["this router's store, per inbox event", routerStore]
]
const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]))
for (let round = 1; round <= rounds; round++) {
  for (const [name, work] of variants) {
    const micros = await cpuPerEvent(work)
    samples.get(name)?.push(micros)
    console.log(`  round ${round} ${name.padEnd(40)} ${micros.toFixed(1).padStart(7)} µs CPU/event`)
  }
}
const floorSamples = samples.get(variants[0]?.[0] as string) as number[]
console.log(`\nstore cost, ${events} events per round, ${rounds} rounds, ${perTurn} per turn: CPU µs/event median (range), ratio to the durable floor's insert median (range)`)
for (const [name] of variants) {
  const own = samples.get(name) as number[]
  const ratios = own.map((micros, index) => micros / (floorSamples[index] as number))
  console.log(`${name.padEnd(40)} ${median(own).toFixed(1).padStart(7)} (${spread(own)})   ${median(ratios).toFixed(2)}× (${spread(ratios, 2)})`)
}
