// Stores the events Stripe lists that the inbox lacks: the recovery of events Stripe gave up
// delivering (or that were refused, e.g. while a signing secret was wrong). Listed over the API with
// the account's own key, so they are trusted without a signature; each is stored exactly as a
// delivery would be (same row, object id, status), marked source = 'reconcile'.
import type Stripe from 'stripe'
import { takesLivemode, type LivemodeGuard } from '../inbox/livemode-guard.js'
import { toNewEvent } from '../inbox/new-event.js'
import type { EventStore } from '../store/event-store.js'
import { listEvents, type BackOff, type ListQuery } from './list-events.js'

export interface ReconcileOptions extends ListQuery {
  /** Count what would be stored, store nothing. */
  dryRun?: boolean
  livemode: LivemodeGuard
  /**
   * Whether a handler takes the type: false stores the event `unhandled`, as a delivery would be.
   * Absent (the CLI, which loads no handlers): every event is stored pending, and the service's
   * worker settles one without a handler as unhandled.
   */
  hasHandler?: (type: string) => boolean
  backOff?: BackOff
}

export interface ReconcileCounts {
  /** Events the API listed. */
  listed: number
  /** Of those, already in the store (delivered, or reconciled before). */
  alreadyStored: number
  /** Stored by this run (with dryRun: would be stored). */
  storedNow: number
  /** The ids stored (or, with dryRun, that would be). */
  storedIds: string[]
}

/**
 * Lists the events `options` selects and stores each one `store` lacks; idempotent (a second run, or
 * a run racing another replica's, stores nothing twice: the insert is conditional in the database).
 * Throws what listEvents throws (a StripeError) and store errors; events stored before the error stay.
 */
export async function reconcileEvents (store: EventStore, stripe: Stripe, options: ReconcileOptions): Promise<ReconcileCounts> {
  const counts: ReconcileCounts = { listed: 0, alreadyStored: 0, storedNow: 0, storedIds: [] }
  for await (const event of listEvents(stripe, options, options.backOff)) {
    counts.listed += 1
    let stored: boolean
    if (options.dryRun === true) {
      stored = (await store.get(event.id)) === null
    } else {
      const status = !takesLivemode(options.livemode, event.livemode)
        ? 'ignored'
        : options.hasHandler?.(event.type) === false ? 'unhandled' : 'pending'
      // Stripe's own serialisation of the event, as a delivery's body would be.
      const payload = Buffer.from(JSON.stringify(event, null, 2))
      stored = await store.insert(toNewEvent(event, payload, 'reconcile'), { status })
    }
    if (stored) {
      counts.storedNow += 1
      counts.storedIds.push(event.id)
    } else counts.alreadyStored += 1
  }
  return counts
}
