// Holds the SQLite store's commits while the HTTP server accepts connections. Node (libuv 1.45 and
// later) accepts one connection per turn of the event loop, and a SQLite commit holds the loop for
// its fsync (about 1 ms here). Under load a commit runs in nearly every turn, so 50 connections
// opened at once took 50 commits to be accepted, one by one: the last one's first delivery was
// answered 100 to 200 ms after it was sent (bench/wire-latency.ts), and those answers made the
// suite's p99 8 to 16 times its p50. Held while connections keep coming, the commit waits a few
// turns of a tenth of a millisecond, each accepting one, then stores their deliveries with the rest.
import type { FlushHold } from './write-batcher.js'

/** A FlushHold for the store's write batcher, told of each connection the HTTP server accepts. */
export interface AcceptHold extends FlushHold {
  /** For the HTTP server's 'connection' event. */
  noteAccepted: () => void
}

/**
 * Holds a due flush while a connection was accepted since the last turn asked, for at most
 * `maxHoldMs` milliseconds per flush (10 by default: enough turns to accept about 50 connections
 * here). A connection accepted while no flush was due holds the next one a turn, for nothing.
 */
export function acceptHold (maxHoldMs = 10): AcceptHold {
  let accepted = false
  return {
    noteAccepted: () => { accepted = true },
    holds: () => {
      const holds = accepted
      accepted = false
      return holds
    },
    maxHoldMs
  }
}
