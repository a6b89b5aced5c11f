// Keeps the leases of running handlers fresh: a handler that outlives its lease would let another
// worker run the same event. One timer for every running event, not one per event: most handlers
// finish long before a renewal is due, and a timer per event showed on the hot path.
import type { FastifyBaseLogger } from 'fastify'
import type { EventStore } from '../store/event-store.js'

/** A run whose lease is kept: its lease token may change (a re-claim of its own event adopts the new one). */
export interface LeasedRun {
  readonly eventId: string
  lease: string
  /** Called once the store says the claim was lost: another worker may run the event now. */
  leaseLost: () => void
}

export interface LeaseKeeper {
  /** Renews `run`'s lease while it runs (or while its end is being recorded); call the returned function when done. */
  hold: (run: LeasedRun) => () => void
  stop: () => void
}

export function createLeaseKeeper (store: EventStore, leaseMs: number, log: FastifyBaseLogger): LeaseKeeper {
  // Each running event and when its lease was last renewed.
  const running = new Map<LeasedRun, number>()
  const renewEveryMs = Math.max(10, Math.floor(leaseMs / 3))

  const timer = setInterval(() => {
    const now = Date.now()
    for (const [run, renewedAt] of running) {
      if (now - renewedAt < renewEveryMs) continue
      running.set(run, now)
      const lease = run.lease
      store.renewLease(run.eventId, lease, now + leaseMs)
        .then((held) => {
          // A renewal that raced an adoption of a newer claim says nothing about the newer one.
          if (held || !running.has(run) || run.lease !== lease) return
          running.delete(run)
          log.warn({ eventId: run.eventId, lease }, 'Lost the lease on an event whose handler is still running; its run is aborted and cannot settle the event')
          run.leaseLost()
        })
        .catch((error: unknown) => log.warn({ err: error, eventId: run.eventId }, 'Could not renew an event lease'))
    }
  }, Math.max(5, Math.floor(renewEveryMs / 2)))
  timer.unref()

  return {
    hold: (run) => {
      running.set(run, Date.now())
      return () => running.delete(run)
    },
    stop: () => clearInterval(timer)
  }
}
