// What the inbox stores and the handlers receive: a v1 snapshot event (`object: 'event'`, the
// object in `data`) or a thin event notification from an event destination (`object:
// 'v2.core.event'`, a reference to the object, fetched on demand). Both have an id and a type, so
// one inbox deduplicates and retries both.
import type Stripe from 'stripe'

/** A thin event notification as it arrives, before stripe-node adds its fetch methods. */
export interface ThinEventPayload {
  id: string
  object: 'v2.core.event'
  type: string
  /** An ISO 8601 time, unlike a v1 event's seconds. */
  created: string
  livemode: boolean
  /** The account the event happened on, for Connect platforms. */
  context?: string | null
  related_object?: { id: string, type: string, url: string } | null
}

export type RoutedEvent = Stripe.Event | ThinEventPayload

export function isThinEvent (event: RoutedEvent): event is ThinEventPayload {
  return event.object === 'v2.core.event'
}

/** The connected account an event belongs to, if any. */
export function eventAccount (event: RoutedEvent): string | null {
  const account = isThinEvent(event) ? event.context : event.account
  return typeof account === 'string' ? account : null
}

/** When the event happened, in seconds since the epoch (0 if the payload does not say). */
export function eventCreatedSeconds (event: RoutedEvent): number {
  const created = isThinEvent(event) ? Date.parse(event.created) / 1000 : event.created
  return Number.isFinite(created) ? Math.floor(created) : 0
}

/** The API version a snapshot event was rendered with; thin events carry none. */
export function eventApiVersion (event: RoutedEvent): string | null {
  return !isThinEvent(event) && typeof event.api_version === 'string' ? event.api_version : null
}

/**
 * The id of the Stripe object the event is about: a snapshot event's `data.object.id`, or a thin
 * event's `related_object.id`; null when the payload names none.
 */
export function eventObjectId (event: RoutedEvent): string | null {
  const id = isThinEvent(event)
    ? event.related_object?.id
    : (event.data?.object as { id?: unknown } | undefined)?.id
  return typeof id === 'string' ? id : null
}
