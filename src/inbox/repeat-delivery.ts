// What a delivery of an id stored already is: an id conflict, a redelivery of an event not yet
// handled (run it), or a plain duplicate (acknowledge it). Read only on that path, never on a first delivery.
import type { NewEvent, StoredEvent } from '../store/event-store.js'

/**
 * Whether `delivered` reuses the id of `stored` for another event: another type, or another object
 * (Stripe's Dashboard test webhooks send one id for every type). An event stored before object ids
 * were kept (objectId null) is compared by type alone.
 */
export function isIdConflict (stored: StoredEvent, delivered: NewEvent): boolean {
  return stored.type !== delivered.type || (stored.objectId !== null && stored.objectId !== delivered.objectId)
}

/**
 * Whether a redelivery of `stored` should run it: it `failed`, or it was stored `unhandled` and its
 * type has a handler now (`hasHandler`). Handled, pending, running and ignored events stay duplicates.
 */
export function isRequeueable (stored: StoredEvent, hasHandler: boolean): boolean {
  return stored.status === 'failed' || (stored.status === 'unhandled' && hasHandler)
}
