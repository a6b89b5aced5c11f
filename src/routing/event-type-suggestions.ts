// "Did you mean" for a mistyped event type: shared by the handler loader, the scaffold and the trigger;
// and the start-up warning for a handler of a type newer than stripe, which may be a typo after all.
import { distance } from 'fastest-levenshtein'
import { knownPrefixPatterns } from './event-patterns.js'
import { handlerEventTypes, installedStripeVersion } from './stripe-event-types.js'
import { isEventTypeShaped, unlistedOptInHint } from './unlisted-event-types.js'

/**
 * Up to `limit` known event types (or, for a pattern such as `customer.subscriptoin.*`, known
 * prefixes) close enough to `name` to be a typo of it, closest first.
 */
function closestEventTypes (name: string, limit = 3): string[] {
  // A far-off "closest" type is noise; only offer ones that look like a typo of the name.
  const reach = Math.max(2, Math.floor(name.length / 4))
  const candidates = name.endsWith('*') ? knownPrefixPatterns() : handlerEventTypes()
  const near = [...candidates]
    .map((type) => ({ type, away: distance(name, type) }))
    .filter(({ away }) => away <= reach)
    .sort((a, b) => a.away - b.away || a.type.localeCompare(b.type))
  // Past the best match, only as-good-or-nearly alternatives: one clear answer beats three guesses.
  const best = near[0]?.away ?? 0
  return near.filter(({ away }) => away <= best + 1).slice(0, limit).map(({ type }) => type)
}

/**
 * Why `pattern` cannot name a handler: for a prefix, `"x.*" is not a prefix of any Stripe event
 * type. Did you mean ...?`; for a type, that it is not in the installed stripe package's list (it
 * may be newer, not wrong), the closest listed types, and how to opt in to a newer one.
 */
export function unknownPatternMessage (pattern: string): string {
  if (pattern.endsWith('*')) return `"${pattern}" is not a prefix of any Stripe event type.${suggestEventType(pattern)}`
  const optIn = isEventTypeShaped(pattern) ? ` ${unlistedOptInHint(pattern)}` : ''
  return `"${pattern}" is not in stripe ${installedStripeVersion()}'s list of event types.${suggestEventType(pattern)}${optIn}`
}

/** The sentence to append to a message about an unknown type. */
export function suggestEventType (name: string): string {
  const suggestions = closestEventTypes(name)
  if (suggestions.length === 0) return ' See the list at https://docs.stripe.com/api/events/types.'
  return ` Did you mean ${suggestions.join(' or ')}?`
}

/**
 * The start-up warning for a handler made with defineUnlistedHandler, as log fields and message:
 * the type is not listed by the installed stripe (named, with its version, and the closest listed
 * type should it be a typo after all), or it is listed now and defineHandler would type it.
 */
export function unlistedHandlerWarning (type: string, file: string): { fields: Record<string, string>, message: string } {
  const stripeVersion = installedStripeVersion()
  const fields = { eventType: type, handler: `handlers/${file}`, stripeVersion }
  if (handlerEventTypes().has(type)) {
    return {
      fields,
      message: `handlers/${file} takes ${type} with defineUnlistedHandler, but stripe ${stripeVersion} lists it: ` +
        `switch to defineHandler('${type}', ...) to get its typed event.`
    }
  }
  const closest = closestEventTypes(type, 1)[0]
  return {
    fields,
    message: `handlers/${file} takes ${type}, which stripe ${stripeVersion} does not list: its events arrive untyped ` +
      '(defineUnlistedHandler). Once an upgrade of stripe lists it, switch to defineHandler for the typed event.' +
      (closest === undefined ? '' : ` If you meant ${closest}, rename the file and use defineHandler.`)
  }
}
