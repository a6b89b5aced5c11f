// Where the SQLite inbox's latency tail comes from: the built router under the suite's load (wrk,
// 50 connections, a new signed 2.8 KB payment_intent.succeeded per request), with wrk's p50 and p99
// beside what the server itself saw (bench/lib/latency-probe.mjs): each request from its arrival to
// its answer, each connection's wait between an answer and its next request, the batched commits
// (checkpoints included), GC pauses and the event loop's delay. A wrk p99 far above the server's
// own, with short waits between requests, is time spent outside the server (on a shared machine:
// the client's core, or the disk's other users).
//
//   npm run build && node --import tsx bench/latency-breakdown.ts [--rounds 3] [--seconds 3] [--warm-up-seconds 3] [--store sqlite]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startServer } from './lib/servers.js'
import { runWrk, writeSignedRequests } from './lib/wrk.js'
import { templateOfSize } from './lib/event-template.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '3' },
    // As the suite's: shorter, and the measured run holds the JIT's ramp (see suite.ts).
    'warm-up-seconds': { type: 'string', default: '3' },
    store: { type: 'string', default: 'sqlite' }
  }
})
const seconds = Number(values.seconds)
const probe = fileURLToPath(new URL('./lib/latency-probe.mjs', import.meta.url))

interface ProbeResult {
  requests: number[]
  gaps: number[]
  commits: number[]
  gcs: number[]
  loopDelayMs: { p50: number, p99: number, max: number }
}

const template = templateOfSize()

function quantile (values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? Number.NaN
}
const ms = (value: number): string => value.toFixed(1).padStart(6)

// The probe looks for its files every 20 ms.
async function waitFor (condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 200 && !condition(); tries++) await new Promise((resolve) => setTimeout(resolve, 25))
}

console.log('round   wrk p50    p99  ratio | server p50    p99  ratio    max | wait p99 | commits n   p99    max | GC max | loop delay p99    max | req/s  CPU µs/req')
for (let round = 1; round <= Number(values.rounds); round++) {
  const dir = mkdtempSync(join(tmpdir(), 'latency-probe-'))
  const server = await startServer({ kind: 'router', env: { EVENT_STORE: values.store as string, LATENCY_PROBE_DIR: dir }, nodeFlags: ['--import', probe] })
  try {
    const name = `evt_latency_${round}`
    const warmUpSeconds = Number(values['warm-up-seconds'])
    await runWrk(server.url, writeSignedRequests(template, Array.from({ length: 15_000 * warmUpSeconds }, (_, index) => `${name}_warm_${index}`), 'latency-warm-up'), warmUpSeconds, 50)
    const requests = writeSignedRequests(template, Array.from({ length: 15_000 * seconds }, (_, index) => `${name}_${index}`), 'latency')
    writeFileSync(join(dir, 'start'), '')
    await waitFor(() => !existsSync(join(dir, 'start')))
    const cpuBefore = server.cpuSeconds()
    const wrk = await runWrk(server.url, requests, seconds, 50)
    const cpuMicros = (server.cpuSeconds() - cpuBefore) * 1e6 / Math.max(1, wrk.requests)
    writeFileSync(join(dir, 'stop'), '')
    await waitFor(() => existsSync(join(dir, 'result.json')))
    const seen = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as ProbeResult
    const p50 = quantile(seen.requests, 0.5)
    const p99 = quantile(seen.requests, 0.99)
    console.log(`${String(round).padStart(5)} ${ms(wrk.p50Ms)} ${ms(wrk.p99Ms)} ${(wrk.p99Ms / wrk.p50Ms).toFixed(2).padStart(6)} |     ${ms(p50)} ${ms(p99)} ${(p99 / p50).toFixed(2).padStart(6)} ${ms(Math.max(...seen.requests))} |   ${ms(quantile(seen.gaps, 0.99))} | ` +
      `${String(seen.commits.length).padStart(9)} ${ms(quantile(seen.commits, 0.99))} ${ms(Math.max(0, ...seen.commits))} | ${ms(Math.max(0, ...seen.gcs))} |         ${ms(seen.loopDelayMs.p99)} ${ms(seen.loopDelayMs.max)} | ${wrk.requestsPerSecond.toFixed(0).padStart(5)} ${cpuMicros.toFixed(0).padStart(6)}`)
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
