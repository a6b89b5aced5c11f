// The servers under test, each a child process pinned to core 1: the router as built (dist/), started
// as `npm start` starts it, and the reference servers it is compared with.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { openPostgresClient } from '../../src/store/postgres-client.js'
import type { SqlClient } from '../../src/store/sql-client.js'
import { createSqlEventStore } from '../../src/store/sql-event-store.js'
import { openSqliteClient } from '../../src/store/sqlite-client.js'
import { createScratchSchema } from '../../test/helpers/postgres.js'
import { procCpuSeconds } from './core-usage.js'
import { startArguments } from './start-command.js'
import { benchSecret } from './wrk.js'

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url))
export const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export type ServerKind = 'bare-fastify' | 'express-sample' | 'fastify-recipe' | 'verify-floor' | 'router'

export interface ServerSpec {
  kind: ServerKind
  /**
   * For the router: its settings, e.g. { EVENT_STORE: 'sqlite' }; for the floor and the Express sample,
   * REFERENCE_STORE: 'sqlite' adds the synced insert, and for the floor REFERENCE_SETTLE: '1' then the
   * handler run and its recorded end (the least durable inbox).
   */
  env?: Record<string, string>
  /** Flags for node before the script, e.g. ['--cpu-prof', '--cpu-prof-dir', dir]. */
  nodeFlags?: string[]
}

export interface RunningServer {
  url: string
  /** The server's DATA_DIR, removed by stop(). */
  dataDir: string
  /** Milliseconds from spawn to the first HTTP answer. */
  startupMs: number
  /** Current and peak resident memory, in MiB, from /proc. */
  memory: () => { rssMiB: number, peakRssMiB: number }
  /** CPU time the server has used so far (user + system), in seconds, from /proc. */
  cpuSeconds: () => number
  /** The server's process id (pinned to core 1). */
  pid: number
  /**
   * For a router with a store: how many events it stored, and how many it handled. For the least
   * durable inbox: its stored rows, the rows its handler's end was recorded in, and (read after
   * them, so never fewer than those) its handler runs, as it counts them.
   */
  storeCounts: () => Promise<{ stored: number, handled: number, runs?: number } | null>
  /** By the store's attempt history: events handled more than once, and events never handled. */
  handledOnceCheck: () => Promise<{ handledTwice: number, neverHandled: number }>
  /** Kills the server (SIGKILL unless told otherwise, e.g. SIGTERM to let --cpu-prof write its profile) and removes its data. */
  stop: (signal?: NodeJS.Signals) => Promise<void>
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
  for (let tries = 0; tries < 1000; tries++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`)
    try {
      await fetch(url)
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
  throw new Error(`the server at ${url} did not start`)
}

function procStatusMiB (pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
  return kb / 1024
}

// The least durable inbox's rows, then its handler runs: a run is counted before its end is recorded,
// so read in this order the runs are never fewer than the recorded ends, however the two race.
async function leastInboxCounts (url: string, dataDir: string): Promise<{ stored: number, handled: number, runs: number }> {
  const db = new Database(join(dataDir, 'reference.sqlite'), { readonly: true })
  const row = db.prepare('SELECT COUNT(*) AS stored, COUNT(handled_at) AS handled FROM events').get() as { stored: number, handled: number }
  db.close()
  const { runs } = await (await fetch(`${url}/handler-runs`)).json() as { runs: number }
  return { stored: row.stored, handled: row.handled, runs }
}

const commands: Record<ServerKind, string[]> = {
  'bare-fastify': ['--import', 'tsx', 'bench/reference/bare-fastify.ts'],
  'express-sample': ['--import', 'tsx', 'bench/reference/express-sample.ts'],
  'fastify-recipe': ['--import', 'tsx', 'bench/reference/fastify-raw-body-construct-event.ts'],
  'verify-floor': ['--import', 'tsx', 'bench/reference/verify-floor.ts'],
  // As it ships: npm start's command, flags included.
  router: startArguments(projectRoot)
}

export async function startServer (spec: ServerSpec): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stripe-router-bench-data-'))
  const schema = spec.env?.EVENT_STORE === 'postgres' ? await createScratchSchema(databaseUrl, 'router_bench') : null
  const port = await freePort()
  const startedAt = performance.now()
  const child = spawn('taskset', ['-c', '1', process.execPath, ...(spec.nodeFlags ?? []), ...commands[spec.kind]], {
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      STRIPE_WEBHOOK_SECRET: benchSecret,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      ...spec.env,
      ...(schema === null ? {} : { DATABASE_URL: schema.url })
    },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const url = `http://127.0.0.1:${port}`
  const openClient = (): SqlClient => schema === null ? openSqliteClient(join(dataDir, 'events.sqlite')) : openPostgresClient(schema.url)
  await waitUntilServing(url, child)
  const startupMs = performance.now() - startedAt
  const pid = child.pid as number
  return {
    url,
    dataDir,
    startupMs,
    memory: () => ({ rssMiB: procStatusMiB(pid, 'VmRSS'), peakRssMiB: procStatusMiB(pid, 'VmHWM') }),
    cpuSeconds: () => procCpuSeconds(pid),
    pid,
    handledOnceCheck: async () => {
      const client = openClient()
      const [row] = await client.query({
        sql: `SELECT SUM(CASE WHEN handled > 1 THEN 1 ELSE 0 END) AS twice, SUM(CASE WHEN handled = 0 THEN 1 ELSE 0 END) AS never
              FROM (SELECT (SELECT COUNT(*) FROM stripe_event_attempts a WHERE a.event_id = e.id AND a.outcome = 'handled') AS handled
                    FROM stripe_events e) AS per_event`
      })
      await client.close()
      return { handledTwice: Number(row?.twice ?? 0), neverHandled: Number(row?.never ?? 0) }
    },
    storeCounts: async () => {
      if (spec.kind === 'verify-floor') return spec.env?.REFERENCE_SETTLE === '1' ? await leastInboxCounts(url, dataDir) : null
      const kind = spec.env?.EVENT_STORE
      if (spec.kind !== 'router' || kind === 'none') return null
      const store = createSqlEventStore(openClient())
      const counts = await store.countByStatus()
      await store.close()
      return { stored: Object.values(counts).reduce((sum, count) => sum + count, 0), handled: counts.handled }
    },
    stop: async (signal = 'SIGKILL') => {
      child.kill(signal)
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve))
      rmSync(dataDir, { recursive: true, force: true })
      await schema?.drop()
    }
  }
}
