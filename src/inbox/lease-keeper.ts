// Keeps the leases of running handlers fresh: a handler that outlives its lease would let another
// worker run the same event. One timer for every running event, not one per event: most handlers
// finish long before a renewal is due, and a timer per event showed on the hot path.
import type { FastifyBaseLogger } from 'fastify'
import type { EventStore } from '../store/event-store.js'
import { storeErrorFields } from '../store/store-health.js'
import { LinkedSet, type LinkedEntry } from './linked-set.js'

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

interface Held {
  readonly run: LeasedRun
  /** When the lease was last renewed (or a renewal last tried), in ms since the epoch. */
  renewedAt: number
  /** Since when renewals have been failing (the store is down), or null. */
  failingSince: number | null
}

export function createLeaseKeeper (store: EventStore, leaseMs: number, log: FastifyBaseLogger): LeaseKeeper {
  // A list, not a Map keyed by run: one entry in and out per event (see linked-set.ts).
  const running = new LinkedSet<Held>()
  const renewEveryMs = Math.max(10, Math.floor(leaseMs / 3))

  function renew (entry: LinkedEntry<Held>, now: number): void {
    const held = entry.value
    const run = held.run
    held.renewedAt = now
    const lease = run.lease
    store.renewLease(run.eventId, lease, now + leaseMs)
      .then((renewed) => {
        // While the store is down every renewal fails the same way: one line when they start
        // failing, one when they work again, per event.
        if (held.failingSince !== null) {
          log.info({ eventId: run.eventId, failedForMs: Date.now() - held.failingSince }, 'The store answers lease renewals again')
          held.failingSince = null
        }
        // A renewal that raced an adoption of a newer claim says nothing about the newer one.
        if (renewed || !running.has(entry) || run.lease !== lease) return
        running.delete(entry)
        log.warn({ eventId: run.eventId, lease }, 'Lost the lease on an event whose handler is still running; its run is aborted and cannot settle the event')
        run.leaseLost()
      })
      .catch((error: unknown) => {
        if (held.failingSince !== null) return
        held.failingSince = Date.now()
        log.warn({ eventId: run.eventId, ...storeErrorFields(error) }, 'Could not renew an event lease; retrying, and the event may be taken over if its lease expires meanwhile')
      })
  }

  const timer = setInterval(() => {
    const now = Date.now()
    for (const entry of running.entries()) {
      // Released since the copy was made: its value is gone.
      if (running.has(entry) && now - entry.value.renewedAt >= renewEveryMs) renew(entry, now)
    }
  }, Math.max(5, Math.floor(renewEveryMs / 2)))
  timer.unref()

  return {
    hold: (run) => {
      const entry = running.add({ run, renewedAt: Date.now(), failingSince: null })
      return () => { running.delete(entry) }
    },
    stop: () => clearInterval(timer)
  }
}
