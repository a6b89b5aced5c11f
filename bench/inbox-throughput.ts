// Receive throughput of the service with the SQLite inbox and the PostgreSQL inbox, beside the
// same service without storage, measured in one run with rounds interleaved so that the machine's
// drift hits every variant alike. Every request carries a new event id: duplicates would flatter
// the inbox, which acknowledges them without storing anything.
//
//   npm run bench -- [--seconds 5] [--rounds 3] [--connections 50] [--only none,sqlite]
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pg from 'pg'
import Stripe from 'stripe'
import { openPostgresClient } from '../src/store/postgres-client.js'
import { createSqlEventStore } from '../src/store/sql-event-store.js'
import { openSqliteClient } from '../src/store/sqlite-client.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string', default: 'none,sqlite,postgres' },
    'database-url': { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' }
  }
})
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const connections = Number(values.connections)
const variants = values.only.split(',') as Array<'none' | 'sqlite' | 'postgres'>
const projectRoot = fileURLToPath(new URL('../', import.meta.url))
const secret = 'whsec_bench_0123456789abcdef'
const fixture = readFileSync(join(projectRoot, 'test/fixtures/payment_intent.succeeded.json'), 'utf8')
const [before, after] = fixture.split('evt_3QxK2vLkdIwHu7ix0Rz3pN1q') as [string, string]
const workDir = mkdtempSync(join(tmpdir(), 'stripe-router-bench-requests-'))
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }))

interface Server {
  child: ChildProcess
  url: string
  /** How many events the server's store holds, and how many of those its workers have handled. */
  storeCounts: () => Promise<{ stored: number, handled: number } | null>
  cleanup: () => Promise<void>
}

async function postgresSchema (url: string): Promise<{ url: string, drop: () => Promise<void> }> {
  const schema = `router_bench_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  await admin.end()
  const scoped = new URL(url)
  scoped.searchParams.set('options', `-c search_path=${schema}`)
  return {
    url: scoped.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      await client.query(`DROP SCHEMA ${schema} CASCADE`)
      await client.end()
    }
  }
}

async function freePort (): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const address = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

// Any HTTP answer (a 404 for GET /) means the server is up.
async function waitUntilServing (url: string, child: ChildProcess): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`)
    try {
      await fetch(url)
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  throw new Error(`the server at ${url} did not start`)
}

async function startServer (variant: string): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stripe-router-bench-'))
  const schema = variant === 'postgres' ? await postgresSchema(values['database-url']) : null
  const port = await freePort()
  const child = spawn('taskset', ['-c', '1', process.execPath, 'dist/src/server.js'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      STRIPE_WEBHOOK_SECRET: secret,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      EVENT_STORE: variant,
      ...(schema === null ? {} : { DATABASE_URL: schema.url })
    },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const url = `http://127.0.0.1:${port}`
  await waitUntilServing(url, child)
  return {
    child,
    url,
    storeCounts: async () => {
      if (variant === 'none') return null
      const store = createSqlEventStore(schema === null
        ? openSqliteClient(join(dataDir, 'events.sqlite'))
        : openPostgresClient(schema.url))
      const counts = await store.countByStatus()
      await store.close()
      return { stored: Object.values(counts).reduce((sum, count) => sum + count, 0), handled: counts.handled }
    },
    cleanup: async () => {
      child.kill('SIGKILL')
      await new Promise((resolve) => child.once('exit', resolve))
      rmSync(dataDir, { recursive: true, force: true })
      await schema?.drop()
    }
  }
}

interface Measurement {
  variant: string
  round: number
  requestsPerSecond: number
  p50: number
  p99: number
  non2xx: number
  /** Of the events stored during the run, the share its workers had handled when the load stopped. */
  handledShare: number | null
}

// Enough distinct events for the fastest variant; a run that outgrows the list is flagged, since
// the replayed ids would be duplicates, which flatter the inbox.
const expectedPeakRate = 20_000

function writeSignedRequests (variant: string, round: number): { list: string, template: string, size: number } {
  const size = expectedPeakRate * seconds
  const lines: string[] = []
  for (let index = 0; index < size; index++) {
    const id = `evt_bench_${variant}_${round}_${index}`
    const payload = `${before}${id}${after}`
    lines.push(`${id}\t${Stripe.webhooks.generateTestHeaderString({ payload, secret })}`)
  }
  const list = join(workDir, 'requests.tsv')
  const template = join(workDir, 'template.json')
  writeFileSync(list, lines.join('\n') + '\n')
  writeFileSync(template, `${before}@@EVENT_ID@@${after}`)
  return { list, template, size }
}

async function load (server: Server, variant: string, round: number): Promise<Measurement> {
  const { list, template, size } = writeSignedRequests(variant, round)
  // wrk on core 0, the server on core 1 (see startServer): the client never competes with the server.
  const wrk = spawn('taskset', ['-c', '0', 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency',
    '-s', join(projectRoot, 'bench/signed-requests.lua'), `${server.url}/webhook`, '--', list, template, '/webhook'], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  wrk.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise((resolve) => wrk.once('exit', resolve))
  const line = output.split('\n').find((text) => text.startsWith('WRK_JSON '))
  if (code !== 0 || line === undefined) throw new Error(`wrk failed (${String(code)}): ${output}`)
  const result = JSON.parse(line.slice('WRK_JSON '.length)) as { requests: number, durationUs: number, non2xx: number, socketErrors: number, p50Us: number, p99Us: number }
  if (result.requests > size) console.error(`warning: ${variant} sent ${result.requests} requests, more than the ${size} distinct events`)
  return {
    variant,
    round,
    requestsPerSecond: result.requests / (result.durationUs / 1e6),
    p50: result.p50Us / 1000,
    p99: result.p99Us / 1000,
    non2xx: result.non2xx + result.socketErrors,
    handledShare: null
  }
}

const median = (numbers: number[]): number => {
  const sorted = [...numbers].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] as number : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

const measurements: Measurement[] = []
for (let round = 1; round <= rounds; round++) {
  for (const variant of variants) {
    const server = await startServer(variant)
    try {
      const measurement = await load(server, variant, round)
      const counts = await server.storeCounts()
      measurement.handledShare = counts === null ? null : counts.handled / Math.max(1, counts.stored)
      measurements.push(measurement)
      console.error(`round ${round} ${variant.padEnd(8)} ${measurement.requestsPerSecond.toFixed(0)} req/s (non-2xx ${measurement.non2xx})`)
    } finally {
      await server.cleanup()
    }
  }
}

// Ratios are taken within each round, against that round's run without storage, then the median.
const baseline = 'none'
console.log(`\nReceive throughput (wrk on core 0, the service on core 1): ${connections} connections, ${seconds} s per run, ${rounds} interleaved rounds, ` +
  `a ${Buffer.byteLength(fixture)} B payment_intent.succeeded with a new id per request\n`)
console.log('variant    req/s (median, min-max)     p50 ms  p99 ms  ratio to no storage (median)  handled when load stopped')
for (const variant of variants) {
  const runs = measurements.filter((m) => m.variant === variant)
  const rates = runs.map((m) => m.requestsPerSecond)
  const ratios = runs.flatMap((m) => {
    const base = measurements.find((b) => b.variant === baseline && b.round === m.round)
    return base === undefined ? [] : [m.requestsPerSecond / base.requestsPerSecond]
  })
  console.log([
    variant.padEnd(10),
    `${median(rates).toFixed(0)} (${Math.min(...rates).toFixed(0)}-${Math.max(...rates).toFixed(0)})`.padEnd(27),
    median(runs.map((m) => m.p50)).toFixed(1).padStart(6),
    median(runs.map((m) => m.p99)).toFixed(1).padStart(7),
    (ratios.length === 0 ? '       -' : `       ${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`).padEnd(30),
    runs[0]?.handledShare === null ? '-' : `${(100 * median(runs.map((m) => m.handledShare ?? 0))).toFixed(1)} %`
  ].join(' '))
}
const resultsDir = join(projectRoot, 'bench/results')
mkdirSync(resultsDir, { recursive: true })
const file = join(resultsDir, `inbox-throughput-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
writeFileSync(file, JSON.stringify({ connections, seconds, rounds, measurements }, null, 2))
console.log(`\nRaw numbers: ${file}`)
