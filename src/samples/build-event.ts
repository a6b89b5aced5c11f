// Builds a Stripe event of any v1 type, offline: realistic for the most used types, and for every
// other type a well-formed event whose `data.object` has the right `object` name and id prefix.
// The trigger sends these; handler tests build their events with it.
import { createHash, randomBytes } from 'node:crypto'
import Stripe from 'stripe'
import type { StripeEventOf, StripeSnapshotEventType } from '../define-handler.js'
import { suggestEventType } from '../routing/event-type-suggestions.js'
import { stripeEventObjectTypes } from '../routing/stripe-event-types.js'
import { realisticEvents } from './realistic-events.js'
import { stripeObjectShape } from './stripe-objects.js'

export interface BuildEventOptions {
  /** The event id; a new `evt_` id unless given (give the same one twice to try a duplicate). */
  id?: string
  /** When the event happened, in seconds since the epoch; now unless given. */
  created?: number
  /** Fields of `data.object` to set, by dotted path: `{ amount: 5000, 'metadata.order_id': '7' }`. */
  fields?: Record<string, unknown>
  /** `data.previous_attributes`, replacing the sample's: what an `*.updated` event says changed. */
  previousAttributes?: Record<string, unknown>
  /** A connected account's id, as Stripe sends in events from Connect accounts. */
  account?: string
  livemode?: boolean
}

type JsonObject = Record<string, unknown>

// Segments that would reach an object's prototype instead of a field of the event.
const unsafeSegments = new Set(['__proto__', 'prototype', 'constructor'])

/** Sets `value` at a dotted path, making the objects on the way. */
export function setField (target: JsonObject, path: string, value: unknown): void {
  const segments = path.split('.')
  if (segments.some((segment) => segment === '' || unsafeSegments.has(segment))) {
    throw new Error(`"${path}" is not a field path: use names separated by dots, e.g. metadata.order_id`)
  }
  let node = target
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {}
    node = node[segment] as JsonObject
  }
  node[segments.at(-1) as string] = value
}

// A prefix and 24 letters and digits from `bytes`, as Stripe's ids look.
function idFrom (prefix: string, bytes: Buffer): string {
  return prefix + bytes.toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 24)
}

/** A new id as Stripe makes them: a prefix and 24 letters and digits. */
export function newStripeId (prefix: string): string {
  return idFrom(prefix, randomBytes(32))
}

// Generic objects get an id derived from the type, so the same type always names the same object.
function stableId (prefix: string, type: string): string {
  return idFrom(prefix, createHash('sha256').update(type).digest())
}

function genericObject (type: string, now: number): JsonObject {
  const resource = stripeEventObjectTypes().get(type)
  if (resource === undefined) throw new Error(`No data.object type is declared for ${type} in the stripe package`)
  const { object, idPrefix } = stripeObjectShape(resource)
  const generic: JsonObject = idPrefix === null ? { object } : { id: stableId(idPrefix, type), object }
  return { ...generic, created: now, livemode: false, metadata: {} }
}

/** Whether `type` gets a realistic sample rather than a generic object. */
export function hasRealisticSample (type: string): boolean {
  return Object.hasOwn(realisticEvents, type)
}

export function buildEvent<T extends StripeSnapshotEventType> (type: T, options: BuildEventOptions = {}): StripeEventOf<T> {
  if (!stripeEventObjectTypes().has(type)) {
    throw new Error(`"${type}" is not a Stripe event type of the installed stripe package.${suggestEventType(type)}`)
  }
  const now = options.created ?? Math.floor(Date.now() / 1000)
  const realistic = hasRealisticSample(type) ? realisticEvents[type] : undefined
  const object = realistic === undefined ? genericObject(type, now) : realistic.object(now)
  const livemode = options.livemode ?? false
  if ('livemode' in object) object.livemode = livemode
  for (const [path, value] of Object.entries(options.fields ?? {})) setField(object, path, value)

  const data: JsonObject = { object }
  const previousAttributes = options.previousAttributes ?? realistic?.previousAttributes?.(now)
  if (previousAttributes !== undefined) data.previous_attributes = previousAttributes
  const event: JsonObject = {
    id: options.id ?? newStripeId('evt_'),
    object: 'event',
    ...(options.account === undefined ? {} : { account: options.account }),
    api_version: Stripe.API_VERSION,
    created: now,
    data,
    livemode,
    pending_webhooks: 1,
    request: { id: newStripeId('req_').slice(0, 18), idempotency_key: null },
    type
  }
  return event as unknown as StripeEventOf<T>
}
