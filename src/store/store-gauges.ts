// The store's numbers for a metrics scrape, read within a bounded time: a scrape must answer while
// the database is down or frozen (the process's own metrics matter most then), so a read that fails
// or is late gives no numbers instead of failing or holding the scrape.
import { settleWithin } from '../time/settle-within.js'
import type { EventStore } from './event-store.js'

export interface StoreGauges {
  /** Events pending or being handled. */
  unsettled: number
  failed: number
  /** When the oldest unsettled event was received, in ms since the epoch; null when none is. */
  oldestUnsettledReceivedAt: number | null
}

/**
 * Reads the gauges from the store (zeros when there is none), or resolves null when the store fails or takes longer than
 * `timeoutMs`. The gauges a scrape collects all at once share one read; a read still running after
 * its time is shared by the next scrapes too, rather than piling more queries on a frozen database.
 */
export function createStoreGaugeReader (store: () => EventStore | null, timeoutMs: number): () => Promise<StoreGauges | null> {
  let reading: Promise<StoreGauges | null> | null = null

  async function read (from: EventStore): Promise<StoreGauges> {
    const [counts, oldest] = await Promise.all([from.countByStatus(), from.oldestUnsettledReceivedAt()])
    return { unsettled: counts.pending + counts.processing, failed: counts.failed, oldestUnsettledReceivedAt: oldest }
  }

  return async () => {
    const from = store()
    // No store (EVENT_STORE=none): nothing is queued.
    if (from === null) return { unsettled: 0, failed: 0, oldestUnsettledReceivedAt: null }
    if (reading === null) {
      const started = read(from).catch(() => null)
      reading = started
      void started.finally(() => { if (reading === started) reading = null })
    }
    return await settleWithin(reading, timeoutMs, null)
  }
}
