// Moves the WAL into the SQLite file from a worker thread, on a connection of its own, once a
// second. Left to the serving connection, a checkpoint runs inside whichever commit crosses
// wal_autocheckpoint: it copies thousands of pages and syncs the file on the event loop, and every
// request waiting behind it shows the pause in its latency (the p99 spikes of the benchmark).
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// The worker's source, run as CommonJS (eval): no file to find in src/ under tsx and in dist/ once built.
// PASSIVE never waits for, nor blocks, a writer or a reader: it copies what no reader still needs.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file, { fileMustExist: true })
db.pragma('synchronous = FULL')
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) })
  }
}
const timer = setInterval(checkpoint, workerData.everyMs)
parentPort.on('message', () => {
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

export interface SqliteCheckpointer {
  /** Stops the worker and waits for its last checkpoint to end and its connection to close. */
  stop: () => Promise<void>
}

export interface CheckpointerOptions {
  /** Milliseconds between checkpoints. Default 1000. */
  everyMs?: number
  /** Told when a checkpoint fails, or the worker dies; the serving connection then checkpoints itself again. */
  onFailure: (message: string) => void
}

/** Starts checkpointing `file` (an existing SQLite file in WAL mode) in a worker thread, until stop(). */
export function startSqliteCheckpointer (file: string, { everyMs = 1000, onFailure }: CheckpointerOptions): SqliteCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(workerSource, { eval: true, workerData: { file, driver, everyMs } })
  // The worker never keeps the process alive: the serving connection's close stops it.
  worker.unref()
  let stopping = false
  worker.on('message', (message: { error?: string }) => { if (message.error !== undefined) onFailure(message.error) })
  worker.on('error', (error) => onFailure(error.message))
  const exited = new Promise<void>((resolve) => worker.once('exit', () => {
    if (!stopping) onFailure('the checkpoint worker stopped')
    resolve()
  }))
  return {
    stop: async () => {
      if (stopping) return await exited
      stopping = true
      // Held open until it has exited: a worker still starting would otherwise be left behind by a process with nothing else to do.
      worker.ref()
      worker.postMessage('stop')
      await exited
    }
  }
}
