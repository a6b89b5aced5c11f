// Keeps the leases of running handlers fresh: a handler that outlives its lease would let another
// worker run the same event. One timer for every running event, not one per event: most handlers
// finish long before a renewal is due, and a timer per event showed on the hot path.
import type { FastifyBaseLogger } from 'fastify'
import type { EventStore } from '../store/event-store.js'

export interface LeaseKeeper {
  /** Renews `eventId`'s lease while it runs; call the returned function when it is done. */
  hold: (eventId: string) => () => void
  stop: () => void
}

export function createLeaseKeeper (store: EventStore, owner: string, leaseMs: number, log: FastifyBaseLogger): LeaseKeeper {
  // Each running event and when its lease was last renewed.
  const running = new Map<string, number>()
  const renewEveryMs = Math.max(10, Math.floor(leaseMs / 3))

  const timer = setInterval(() => {
    const now = Date.now()
    for (const [eventId, renewedAt] of running) {
      if (now - renewedAt < renewEveryMs) continue
      running.set(eventId, now)
      store.renewLease(eventId, owner, now + leaseMs)
        .then((held) => { if (!held) log.warn({ eventId }, 'Lost the lease on an event whose handler is still running') })
        .catch((error: unknown) => log.warn({ err: error, eventId }, 'Could not renew an event lease'))
    }
  }, Math.max(5, Math.floor(renewEveryMs / 2)))
  timer.unref()

  return {
    hold: (eventId) => {
      running.set(eventId, Date.now())
      return () => running.delete(eventId)
    },
    stop: () => clearInterval(timer)
  }
}
