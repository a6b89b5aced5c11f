// What the store keeps of an event however it came in: a signed delivery or an event listed from
// Stripe's API by reconciliation. One function, so both get the same account, object id, etc.
import type { EventSource, NewEvent } from '../store/event-store.js'
import { eventAccount, eventApiVersion, eventCreatedSeconds, eventObjectId, type RoutedEvent } from '../delivery/routed-event.js'

/** The store's row for `event`, whose body is exactly `payload`, received now (ms) from `source`. */
export function toNewEvent (event: RoutedEvent, payload: Buffer, source: EventSource = 'webhook'): NewEvent {
  return {
    id: event.id,
    type: event.type,
    account: eventAccount(event),
    livemode: event.livemode === true,
    apiVersion: eventApiVersion(event),
    created: eventCreatedSeconds(event),
    receivedAt: Date.now(),
    objectId: eventObjectId(event),
    source,
    payload
  }
}
