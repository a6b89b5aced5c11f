// "Did you mean" for a mistyped event type: shared by the handler loader, the scaffold and the trigger.
import { distance } from 'fastest-levenshtein'
import { knownPrefixPatterns } from './event-patterns.js'
import { handlerEventTypes } from './stripe-event-types.js'

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

/** `"x" is not a Stripe event type. Did you mean ...?`, for a type or a prefix pattern. */
export function unknownPatternMessage (pattern: string): string {
  const what = pattern.endsWith('*') ? 'a prefix of any Stripe event type' : 'a Stripe event type'
  return `"${pattern}" is not ${what}.${suggestEventType(pattern)}`
}

/** The sentence to append to a message about an unknown type. */
export function suggestEventType (name: string): string {
  const suggestions = closestEventTypes(name)
  if (suggestions.length === 0) return ' See the list at https://docs.stripe.com/api/events/types.'
  return ` Did you mean ${suggestions.join(' or ')}?`
}
