// The SQLite inbox when every delivery comes on a connection of its own (a client that sends
// `Connection: close`, or a proxy that does not keep connections alive), beside the same inbox on
// kept-alive connections and the durable floor on new connections: wrk, 50 connections, pre-signed
// 2.8 KB deliveries, interleaved rounds. Node accepts one connection per turn of the event loop, so
// here the rate is bounded by how many turns a second the server makes (src/store/accept-hold.ts).
//
//   npm run build && node --import tsx bench/new-connections.ts [--rounds 3] [--seconds 3]
import { parseArgs } from 'node:util'
import { startServer, type ServerSpec } from './lib/servers.js'
import { runWrk, writeSignedRequests } from './lib/wrk.js'
import { templateOfSize } from './lib/event-template.js'
import { median, spread } from './lib/stats.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' } } })
const variants: Array<{ name: string, spec: ServerSpec, newConnectionEach: boolean }> = [
  { name: 'SQLite inbox, a new connection each', spec: { kind: 'router', env: { EVENT_STORE: 'sqlite' } }, newConnectionEach: true },
  { name: 'SQLite inbox, kept-alive connections', spec: { kind: 'router', env: { EVENT_STORE: 'sqlite' } }, newConnectionEach: false },
  { name: 'durable floor, a new connection each', spec: { kind: 'verify-floor', env: { REFERENCE_STORE: 'sqlite' } }, newConnectionEach: true }
]
const template = templateOfSize()
const measured = new Map<string, Array<{ rate: number, p50: number, p99: number, failures: number }>>()
let run = 0
for (let round = 0; round < Number(values.rounds); round++) {
  for (const { name, spec, newConnectionEach } of variants) {
    const server = await startServer(spec)
    const ids = (count: number, label: string): string[] => Array.from({ length: count }, (_, index) => `evt_new_connections_${label}${run}_${index}`)
    await runWrk(server.url, writeSignedRequests(template, ids(20_000, 'warm'), `new-connections-warm-${run}`), 2, 50, newConnectionEach)
    const result = await runWrk(server.url, writeSignedRequests(template, ids(60_000, 'run'), `new-connections-${run}`), Number(values.seconds), 50, newConnectionEach)
    run++
    await server.stop()
    const rows = measured.get(name) ?? []
    rows.push({ rate: result.requestsPerSecond, p50: result.p50Ms, p99: result.p99Ms, failures: result.failures })
    measured.set(name, rows)
    console.error(`round ${round + 1} ${name}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${result.failures} failed`)
  }
}
console.log(`Medians of ${values.rounds} interleaved rounds (range): req/s, p50 ms, p99 ms, failed requests`)
for (const [name, rows] of measured) {
  const of = (pick: (row: typeof rows[number]) => number, digits: number): string => `${median(rows.map(pick)).toFixed(digits)} (${spread(rows.map(pick), digits)})`
  console.log(`  ${name.padEnd(38)} ${of((row) => row.rate, 0)} req/s, p50 ${of((row) => row.p50, 1)}, p99 ${of((row) => row.p99, 1)}, failed ${rows.reduce((sum, row) => sum + row.failures, 0)}`)
}
