// Where wrk's p99 comes from: each measured run of the suite's load (wrk, 50 connections, a new
// signed 2.8 KB payment_intent.succeeded per request, after a warm-up) is captured on the loopback
// with tcpdump, and every request is timed on the wire, from its first segment to its answer's.
// Printed beside wrk's own p50 and p99: the wire's, and the wire's once wrk's coordinated-omission
// correction (its stats_correct) is applied to them. When that last p99 matches wrk's, wrk's tail
// is the answers the wire saw, weighted by the correction, and not time lost in the client. The
// answers that took over 15 ms are listed by when in the run their request went out.
//
// Needs tcpdump and the right to capture on lo (root here).
//
//   npm run build && node --import tsx bench/wire-latency.ts [--rounds 2] [--seconds 3] [--variant inbox|durable-floor]
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startServer, type ServerSpec } from './lib/servers.js'
import { runWrk, writeSignedRequests } from './lib/wrk.js'
import { templateOfSize } from './lib/event-template.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '3' },
    'warm-up-seconds': { type: 'string', default: '3' },
    variant: { type: 'string', default: 'inbox' }
  }
})
const seconds = Number(values.seconds)
const connections = 50
const slowMs = 15
const variants: Record<string, ServerSpec> = {
  inbox: { kind: 'router', env: { EVENT_STORE: 'sqlite' } },
  'durable-floor': { kind: 'verify-floor', env: { REFERENCE_STORE: 'sqlite' } }
}
const spec = variants[values.variant]
if (spec === undefined) throw new Error(`--variant is one of ${Object.keys(variants).join(', ')}`)

interface Answer {
  /** When the request's first segment went out, in ms since the epoch. */
  sentAt: number
  ms: number
  firstOnConnection: boolean
}

/** Pairs each connection's requests with its answers, in order, from `tcpdump -tt -nn` lines. */
function answersOnWire (text: string, port: string): Answer[] {
  const waiting = new Map<string, number | null>()
  const seen = new Set<string>()
  const answers: Answer[] = []
  for (const line of text.split('\n')) {
    const match = /^(\d+\.\d+) IP 127\.0\.0\.1\.(\d+) > 127\.0\.0\.1\.(\d+):.* length (\d+)/.exec(line)
    if (match === null || match[4] === '0') continue
    const [, seconds, from, to] = match as unknown as [string, string, string, string]
    const at = Number(seconds) * 1000
    if (to === port) {
      // A request in several segments counts from its first: wrk sends the next only after the answer.
      if ((waiting.get(from) ?? null) === null) waiting.set(from, at)
    } else {
      const sentAt = waiting.get(to) ?? null
      if (sentAt === null) continue
      waiting.set(to, null)
      answers.push({ sentAt, ms: at - sentAt, firstOnConnection: !seen.has(to) })
      seen.add(to)
    }
  }
  return answers
}

/** wrk's stats_correct: each sample of at least twice the expected interval adds samples one interval apart below it. */
function withWrkCorrection (sorted: number[], intervalMs: number): number[] {
  const added: number[] = []
  for (const ms of sorted) {
    if (ms < 2 * intervalMs) continue
    for (let below = ms - intervalMs; below > intervalMs; below -= intervalMs) added.push(below)
  }
  return [...sorted, ...added].sort((a, b) => a - b)
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))] ?? NaN

const template = templateOfSize()
const captureDir = mkdtempSync(join(tmpdir(), 'stripe-router-wire-'))
console.log(`${values.variant}: wrk, ${connections} connections, ${seconds} s runs after ${values['warm-up-seconds']} s of warm-up; ms`)
console.log('round  wrk p50    p99  ratio | wire answers   p50    p99  ratio    max | wire + correction p99  ratio | dropped')
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    const server = await startServer(spec)
    try {
      const port = new URL(server.url).port
      const name = `evt_wire_${round}`
      const warmUpSeconds = Number(values['warm-up-seconds'])
      await runWrk(server.url, writeSignedRequests(template, Array.from({ length: 15_000 * warmUpSeconds }, (_, index) => `${name}_warm_${index}`), 'warm-up'), warmUpSeconds, connections)
      const requests = writeSignedRequests(template, Array.from({ length: 20_000 * seconds }, (_, index) => `${name}_${index}`))
      const capture = join(captureDir, `round-${round}.pcap`)
      // A large kernel buffer and short snapshots: a capture that drops packets cannot pair them.
      const tcpdump = spawn('taskset', ['-c', '0', 'tcpdump', '-i', 'lo', '-B', '262144', '-s', '96', '-nn', '-w', capture, `tcp port ${port}`], { stdio: ['ignore', 'ignore', 'pipe'] })
      let report = ''
      tcpdump.stderr.on('data', (chunk: Buffer) => { report += chunk.toString() })
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const result = await runWrk(server.url, requests, seconds, connections)
      await new Promise((resolve) => setTimeout(resolve, 300))
      const exited = new Promise((resolve) => tcpdump.once('exit', resolve))
      tcpdump.kill('SIGINT')
      await exited
      const text = execFileSync('tcpdump', ['-r', capture, '-tt', '-nn'], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString()
      const answers = answersOnWire(text, port)
      const sorted = answers.map((answer) => answer.ms).sort((a, b) => a - b)
      const corrected = withWrkCorrection(sorted, seconds * 1000 / (result.requests / connections))
      const dropped = /(\d+) packets dropped by kernel/.exec(report)?.[1] ?? '?'
      const wireP50 = percentile(sorted, 50)
      console.log(`${String(round).padStart(5)} ${result.p50Ms.toFixed(2).padStart(8)} ${result.p99Ms.toFixed(2).padStart(6)} ${(result.p99Ms / result.p50Ms).toFixed(1).padStart(6)} |` +
        `${String(answers.length).padStart(13)} ${wireP50.toFixed(2).padStart(6)} ${percentile(sorted, 99).toFixed(2).padStart(6)} ${(percentile(sorted, 99) / wireP50).toFixed(1).padStart(6)} ${(sorted.at(-1) ?? NaN).toFixed(1).padStart(6)} |` +
        `${percentile(corrected, 99).toFixed(2).padStart(22)} ${(percentile(corrected, 99) / wireP50).toFixed(1).padStart(6)} | ${dropped}`)
      const start = Math.min(...answers.map((answer) => answer.sentAt))
      const slow = answers.filter((answer) => answer.ms > slowMs)
      console.log(`       ${slow.length} answers over ${slowMs} ms (request sent at ms into the run: took ms, F = first on its connection): ` +
        slow.slice(0, 40).map((answer) => `${(answer.sentAt - start).toFixed(0)}: ${answer.ms.toFixed(0)}${answer.firstOnConnection ? 'F' : ''}`).join(', '))
    } finally {
      await server.stop()
    }
  }
} finally {
  rmSync(captureDir, { recursive: true, force: true })
}
