// How a handler file names what it handles. `payment_intent.succeeded.ts` takes that one type;
// `customer.subscription._all.ts` takes every `customer.subscription.*` type; `_all.ts` takes every
// event. `_all` rather than `*` because `*` cannot be in a file name on Windows and is a glob in
// every shell; no Stripe type has a segment starting with `_`, so it can never mean a real type.
import { handlerEventTypes } from './stripe-event-types.js'

export const wildcardSegment = '_all'

/** The pattern a file's base name stands for: `customer.subscription._all` -> `customer.subscription.*`. */
export function patternOfFileName (name: string): string {
  if (name === wildcardSegment) return '*'
  if (name.endsWith(`.${wildcardSegment}`)) return `${name.slice(0, -wildcardSegment.length)}*`
  return name
}

/** The file base name for a pattern: `customer.subscription.*` -> `customer.subscription._all`. */
export function fileNameOfPattern (pattern: string): string {
  if (pattern === '*') return wildcardSegment
  if (pattern.endsWith('.*')) return `${pattern.slice(0, -1)}${wildcardSegment}`
  return pattern
}

/**
 * The patterns that could handle `type`, most specific first: the type itself, each shorter prefix,
 * then the catch-all. `customer.subscription.created` -> itself, `customer.subscription.*`,
 * `customer.*`, `*`.
 */
export function patternsMatching (type: string): string[] {
  const patterns = [type]
  for (let dot = type.lastIndexOf('.'); dot > 0; dot = type.lastIndexOf('.', dot - 1)) {
    patterns.push(`${type.slice(0, dot)}.*`)
  }
  patterns.push('*')
  return patterns
}

let prefixPatterns: ReadonlySet<string> | undefined

/** Every prefix pattern some known event type falls under (`customer.*`, `customer.subscription.*`, ...). */
export function knownPrefixPatterns (): ReadonlySet<string> {
  prefixPatterns ??= new Set([...handlerEventTypes()].flatMap((type) => patternsMatching(type).slice(1, -1)))
  return prefixPatterns
}

/** Whether a handler may declare `pattern`: a known type, a prefix of one, or `*`. */
export function isKnownPattern (pattern: string): boolean {
  return pattern === '*' || handlerEventTypes().has(pattern) || knownPrefixPatterns().has(pattern)
}

/**
 * The event types one handler takes, as the routing decides: those `pattern` matches (a type, a
 * `prefix.*`, or `*`), less those matched by any of `except` (more specific handlers' patterns).
 */
export interface RoutedTypes {
  pattern: string
  except: readonly string[]
}

/** Whether `pattern` (a type, `prefix.*` or `*`) matches `type`. */
export function patternMatches (pattern: string, type: string): boolean {
  if (pattern === '*') return true
  return pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern
}

/**
 * The types routed to the handler of `pattern` when `mounted` are the patterns with a handler: every
 * type it matches, except those a more specific mounted pattern takes (the routing picks the most
 * specific). With `customer.*`, `customer.subscription.*` and `customer.subscription.deleted` mounted,
 * `customer.*` takes `customer.created` but neither `customer.subscription.updated` nor `.deleted`.
 */
export function routedTypes (pattern: string, mounted: Iterable<string>): RoutedTypes {
  const except: string[] = []
  // A more specific pattern is one this pattern matches: an exact type, or a longer prefix.
  for (const other of mounted) {
    if (other !== pattern && other !== '*' && patternMatches(pattern, other.endsWith('.*') ? other.slice(0, -1) : other)) except.push(other)
  }
  return { pattern, except: except.sort() }
}
