// Loaded into the router with `node --import` by bench/latency-breakdown.ts: records where a
// delivery's latency is spent inside the server. Each request from its 'request' event to its
// answer's 'finish', each connection's wait from one answer to its next request, each SQLite
// transaction (the batched commits, checkpoints included), GC pauses and the event loop's delay.
// Measuring starts when LATENCY_PROBE_DIR/start appears and the figures are written to
// LATENCY_PROBE_DIR/result.json when LATENCY_PROBE_DIR/stop appears (a signal would stop the
// server: it shuts down on every one).
import { existsSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks'

const dir = process.env.LATENCY_PROBE_DIR
const Database = createRequire(join(process.cwd(), 'package.json'))('better-sqlite3')
const loopDelay = monitorEventLoopDelay({ resolution: 1 })
let on = false
const requests = []
const gaps = []
const commits = []
const gcs = []

new PerformanceObserver((list) => {
  if (on) for (const entry of list.getEntries()) gcs.push(entry.duration)
}).observe({ entryTypes: ['gc'] })

// The client's transactions are made by db.transaction(...) and run with .immediate(...).
const transaction = Database.prototype.transaction
Database.prototype.transaction = function (fn) {
  const made = transaction.call(this, fn)
  const timed = function (...args) {
    const startedAt = performance.now()
    try {
      return made.immediate.apply(this, args)
    } finally {
      if (on) commits.push(performance.now() - startedAt)
    }
  }
  const wrapped = function (...args) { return made.apply(this, args) }
  Object.assign(wrapped, { immediate: timed, deferred: made.deferred, exclusive: made.exclusive, default: made.default })
  return wrapped
}

const emit = http.Server.prototype.emit
http.Server.prototype.emit = function (name, request, response) {
  if (name === 'request' && on) {
    const startedAt = performance.now()
    const socket = request.socket
    if (socket.probeAnsweredAt !== undefined) gaps.push(startedAt - socket.probeAnsweredAt)
    response.on('finish', () => {
      const now = performance.now()
      socket.probeAnsweredAt = now
      if (on) requests.push(now - startedAt)
    })
  }
  return emit.apply(this, arguments)
}

setInterval(() => {
  if (!on && existsSync(join(dir, 'start'))) {
    unlinkSync(join(dir, 'start'))
    on = true
    loopDelay.enable()
  } else if (on && existsSync(join(dir, 'stop'))) {
    unlinkSync(join(dir, 'stop'))
    on = false
    loopDelay.disable()
    // Written aside, then renamed: the bench reads the file as soon as it exists.
    writeFileSync(join(dir, 'result.json.partial'), JSON.stringify({
      requests,
      gaps,
      commits,
      gcs,
      loopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 }
    }))
    renameSync(join(dir, 'result.json.partial'), join(dir, 'result.json'))
  }
}, 20).unref()
