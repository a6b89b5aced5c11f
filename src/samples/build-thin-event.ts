// Builds a thin event notification (what an event destination sends) of any thin type, offline:
// the event names its related object by id and URL, and carries no object data of its own.
import type { StripeThinEventType } from '../define-handler.js'
import { suggestEventType } from '../routing/event-type-suggestions.js'
import type { ThinEventPayload } from '../delivery/routed-event.js'
import { stripeThinEventTypes } from '../routing/stripe-event-types.js'
import { newStripeId } from './build-event.js'
import { stripeObjectShapes } from './stripe-objects.js'

export interface BuildThinEventOptions {
  /** The event id; a new one unless given (give the same one twice to try a duplicate). */
  id?: string
  /** When the event happened, in seconds since the epoch; now unless given. */
  created?: number
  /** The connected account the event happened on. */
  context?: string
  /** The related object's id; one with the object's usual prefix unless given. */
  relatedObjectId?: string
  livemode?: boolean
}

// `v1.billing.meter.no_meter_found` -> `billing.meter`; `v2.core.account.created` -> `v2.core.account`.
function relatedObjectType (type: string): string {
  const segments = type.split('.').slice(0, -1)
  return segments[0] === 'v1' ? segments.slice(1).join('.') : segments.join('.')
}

function idPrefixOf (objectType: string): string {
  const shape = Object.values(stripeObjectShapes).find((candidate) => candidate.object === objectType)
  return shape?.idPrefix ?? 'obj_'
}

export function isThinEventType (type: string): type is StripeThinEventType {
  return stripeThinEventTypes().has(type)
}

export function buildThinEvent (type: StripeThinEventType, options: BuildThinEventOptions = {}): ThinEventPayload {
  if (!isThinEventType(type)) {
    throw new Error(`"${type}" is not a thin event type of the installed stripe package.${suggestEventType(type)}`)
  }
  const event: ThinEventPayload = {
    id: options.id ?? newStripeId('evt_test_'),
    object: 'v2.core.event',
    type,
    created: new Date((options.created ?? Math.floor(Date.now() / 1000)) * 1000).toISOString(),
    livemode: options.livemode ?? false,
    ...(options.context === undefined ? {} : { context: options.context })
  }
  // Only the types whose notifications name one (stripe-node's declarations say which).
  if (stripeThinEventTypes().get(type) === true) {
    const objectType = relatedObjectType(type)
    const objectId = options.relatedObjectId ?? newStripeId(idPrefixOf(objectType))
    const version = type.startsWith('v2.') ? 'v2' : 'v1'
    const path = objectType.replace(/^v2\./, '').replaceAll('.', '/')
    event.related_object = { id: objectId, type: objectType, url: `/${version}/${path}s/${objectId}` }
  }
  return event
}
