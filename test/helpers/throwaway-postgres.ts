// A PostgreSQL cluster of a test's own, to break on purpose: stopped, restarted, frozen, its
// connections cut. Never the shared server on 5432, which other tests and engineers use.
// initdb refuses to run as root, so the cluster belongs to the `postgres` user; its socket and data
// live in a temporary folder, and it listens on a free port of 127.0.0.1.
import { execFile } from 'node:child_process'
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freePort } from './free-port.js'

const run = promisify(execFile)
const bin = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin'
const owner = 'postgres'

export interface ThrowawayPostgres {
  readonly port: number
  /** The cluster's `postgres` database, as its superuser (trust authentication: any password passes). */
  readonly url: string
  /** Starts the cluster; resolves once it accepts connections. */
  start: () => Promise<void>
  /** `pg_ctl stop -m immediate`: every backend dies at once, as in a crash. */
  stop: () => Promise<void>
  /** SIGSTOPs the postmaster and every backend: the server keeps its sockets and answers nothing. */
  freeze: () => void
  /** SIGCONTs what `freeze` stopped. */
  thaw: () => void
  /** Terminates every client backend but its own (`pg_terminate_backend`); the number terminated. */
  terminateBackends: () => Promise<number>
}

interface Teardown {
  teardown: (fn: () => unknown) => void
}

async function asOwner (command: string, args: string[]): Promise<void> {
  await run('runuser', ['-u', owner, '--', join(bin, command), ...args], { timeout: 60_000 })
}

// The postmaster's children, from /proc: backends, checkpointer, WAL writer and the rest.
function childrenOf (pid: number): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // `pid (comm) state ppid ...`; comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid) children.push(Number(entry))
    } catch {
      // The process ended while we looked.
    }
  }
  return children
}

/**
 * A new cluster (initdb), started unless `started: false`; stopped and removed when the test ends,
 * even when it fails or the cluster is frozen. `settings` are server settings (`-c name=value`).
 */
export async function throwawayPostgres (t: Teardown, options: { started?: boolean, settings?: Record<string, string> } = {}): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'throwaway-postgres-'))
  const data = join(dir, 'data')
  const socketDir = join(dir, 'socket')
  mkdirSync(socketDir)
  const { uid, gid } = await ownerIds()
  for (const path of [dir, socketDir]) chownSync(path, uid, gid)
  let frozen: number[] = []
  t.teardown(async () => {
    for (const pid of frozen) signal(pid, 'SIGCONT')
    await asOwner('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  })
  await asOwner('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'])

  const port = await freePort()
  const serverOptions = [
    `-p ${port}`, `-k ${socketDir}`, '-c listen_addresses=127.0.0.1',
    ...Object.entries(options.settings ?? {}).map(([name, value]) => `-c ${name}=${value}`)
  ].join(' ')
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`

  const cluster: ThrowawayPostgres = {
    port,
    url,
    start: async () => { await asOwner('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', '-t', '30', 'start']) },
    stop: async () => { await asOwner('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']) },
    freeze: () => {
      // The postmaster first, so that it forks no backend that would escape.
      const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
      signal(postmaster, 'SIGSTOP')
      frozen = [postmaster, ...childrenOf(postmaster)]
      for (const pid of frozen.slice(1)) signal(pid, 'SIGSTOP')
    },
    thaw: () => {
      for (const pid of frozen) signal(pid, 'SIGCONT')
      frozen = []
    },
    terminateBackends: async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        const { rows } = await client.query<{ terminated: string }>(`SELECT count(pg_terminate_backend(pid)) AS terminated
          FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`)
        return Number(rows[0]?.terminated ?? 0)
      } finally {
        await client.end()
      }
    }
  }
  if (options.started !== false) await cluster.start()
  return cluster
}

function signal (pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Gone already.
  }
}

async function ownerIds (): Promise<{ uid: number, gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', owner]), run('id', ['-g', owner])])
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) }
}
