// Event types newer than the installed stripe package: Stripe sends them before stripe-node lists
// them. A handler takes one only through defineUnlistedHandler, and start-up warns of it, naming the
// stripe version (event-type-suggestions.ts), so that a typo still stops start-up and a real new
// type is a deliberate choice.
import { installedStripeVersion } from './stripe-event-types.js'

// Stripe's type names: lower-case segments joined by dots, at least two (`invoice.paid`,
// `v1.billing.meter.no_meter_found`); no pattern, path or upper case.
const eventTypeShape = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/

/** Whether `name` could be a Stripe event type at all (whether or not stripe lists it). */
export function isEventTypeShaped (name: string): boolean {
  return eventTypeShape.test(name)
}

/** The sentence of a refusal that says how to take `type` should it be newer than stripe. */
export function unlistedOptInHint (type: string): string {
  return `If Stripe sends it and it is newer than stripe ${installedStripeVersion()}, opt in: ` +
    `export default defineUnlistedHandler('${type}', async (event, context) => { ... }) in handlers/${type}.ts ` +
    '(see "Types newer than the stripe package" in handlers/README.md).'
}

/**
 * Whether `name` is shaped as a snapshot type that the installed stripe package does not list: the
 * kind of type a webhook endpoint subscribes to (thin ones, `v1.…` and `v2.…`, go to event destinations).
 */
export function isUnlistedSnapshotType (name: string, listed: ReadonlySet<string>): boolean {
  return isEventTypeShaped(name) && !/^v\d+\./.test(name) && !listed.has(name)
}
