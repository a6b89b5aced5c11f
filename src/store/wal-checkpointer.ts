// Checkpoints the SQLite WAL from a worker thread, so that the commits deliveries wait on rarely
// copy the WAL into the database file and sync it themselves, with the event loop held (issue 17).
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// The worker's code, as a script: a worker started from a file would need the TypeScript loader the
// tests run under, and the built service has none. The driver's path comes from the main thread, so
// the worker loads the same better-sqlite3 wherever the service runs from. PASSIVE never waits for a
// lock and never holds the writers' lock: the main connection commits while it copies.
const workerScript = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file, { fileMustExist: true })
db.pragma('busy_timeout = 0')
db.pragma('synchronous = ' + workerData.synchronous)
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close()
    parentPort.close()
    return
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)')
    parentPort.postMessage({ result })
  } catch (error) {
    parentPort.postMessage({ error: { code: String(error.code), message: String(error.message) } })
  }
})
`

/** Where the checkpointer reports a worker that failed or a checkpoint that did; a pino logger fits. */
export interface WalCheckpointerLog {
  warn: (details: object, message: string) => void
}

export interface WalCheckpointerOptions {
  /** The SQLite file, already open in WAL mode by the main connection. */
  file: string
  /** The main connection's synchronous setting; the worker's checkpoints sync the database file under either. */
  synchronous: 'FULL' | 'NORMAL'
  /** The least time from the end of one checkpoint to the start of the next, in milliseconds. Default 100. */
  everyMs?: number
  /** Commits before the worker is started (it costs 50-90 ms of CPU to start): a store that sees few never needs it. Default 256. */
  startAfterCommits?: number
  log?: WalCheckpointerLog
}

/** What the worker's checkpoints did so far (SQLite's wal_checkpoint results, summed). */
export interface WalCheckpointCounts {
  /** Checkpoints run, failed ones included. */
  runs: number
  /** Checkpoints that failed (SQLITE_FULL, SQLITE_IOERR, ...). */
  failed: number
}

export interface WalCheckpointer {
  /** Tells the checkpointer the main connection committed: there is WAL to copy. Cheap; call it after each commit. */
  committed: () => void
  counts: () => WalCheckpointCounts
  /** Waits for a checkpoint in progress, then closes the worker's connection; call it before closing the main one. */
  close: () => Promise<void>
}

interface WorkerReply {
  result?: { busy: number, log: number, checkpointed: number }
  error?: { code: string, message: string }
}

// How long close() waits for a checkpoint in progress before it stops the worker.
const closeWaitMs = 5000

const fallback = 'commits checkpoint the WAL themselves from now on, as SQLite does by default'

/**
 * A checkpointer for `file`, whose worker starts at the `startAfterCommits`-th commit. A worker that
 * fails to start or dies is reported once and not replaced: the main connection keeps its
 * wal_autocheckpoint, so the WAL is still checkpointed, on the event loop. A checkpoint that fails
 * (a full disk, a read-only file system) is reported once per error code, and tried again after
 * the next commit; the WAL keeps every committed page meanwhile, so nothing is lost.
 */
export function createWalCheckpointer (options: WalCheckpointerOptions): WalCheckpointer {
  const { file, synchronous, everyMs = 100, startAfterCommits = 256, log } = options
  let commits = 0
  let worker: Worker | null = null
  let alive = false
  let closed = false
  let inFlight = false
  let pending = false
  let lastEndedAt = 0
  let timer: NodeJS.Timeout | null = null
  let lastFailure = ''
  const counts: WalCheckpointCounts = { runs: 0, failed: 0 }

  function stop (details: object, message: string): void {
    if (!alive) return
    alive = false
    if (timer !== null) clearTimeout(timer)
    if (!closed) log?.warn(details, message)
  }

  function onReply (reply: WorkerReply): void {
    inFlight = false
    lastEndedAt = performance.now()
    counts.runs++
    if (reply.error === undefined) {
      lastFailure = ''
    } else {
      counts.failed++
      if (reply.error.code !== lastFailure) {
        lastFailure = reply.error.code
        log?.warn({ file, code: reply.error.code }, `a WAL checkpoint failed (${reply.error.message}); it is tried again after the next commit`)
      }
    }
    if (pending) schedule()
  }

  function start (): void {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    worker = new Worker(workerScript, { eval: true, workerData: { file, driver, synchronous } })
    // A store left open must not keep the process alive.
    worker.unref()
    alive = true
    worker.on('error', (error) => stop({ file, err: error }, `the WAL checkpoint worker failed; ${fallback}`))
    worker.on('exit', (code) => stop({ file, code }, `the WAL checkpoint worker exited; ${fallback}`))
    worker.on('message', onReply)
  }

  function schedule (): void {
    if (!alive || inFlight || timer !== null) return
    const waitMs = lastEndedAt + everyMs - performance.now()
    if (waitMs > 0) {
      timer = setTimeout(() => {
        timer = null
        schedule()
      }, waitMs)
      timer.unref()
      return
    }
    pending = false
    inFlight = true
    worker?.postMessage('check')
  }

  return {
    committed: () => {
      if (closed) return
      if (worker === null && ++commits >= startAfterCommits) start()
      pending = true
      schedule()
    },
    counts: () => ({ ...counts }),
    close: async () => {
      closed = true
      if (timer !== null) clearTimeout(timer)
      if (worker === null || !alive) return
      const exited = new Promise((resolve) => worker?.once('exit', resolve))
      // Held open until the worker is gone, so the main connection closes after it, as the last one
      // (which checkpoints the WAL and removes it).
      worker.ref()
      worker.postMessage('close')
      // A checkpoint stuck on a disk that stopped answering must not hold the shutdown for good.
      let waited: NodeJS.Timeout | undefined
      await Promise.race([exited, new Promise((resolve) => { waited = setTimeout(resolve, closeWaitMs) })])
      clearTimeout(waited)
      worker.unref()
    }
  }
}
