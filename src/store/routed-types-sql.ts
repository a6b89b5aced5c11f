// The routing's choice of types, as SQL over stripe_events.type: which stored events went to one
// handler. Prefixes compare with substr, not LIKE, since `_` (in every other Stripe type) is a LIKE wildcard.
import type { RoutedTypes } from '../routing/event-patterns.js'
import type { SqlValue } from './sql-client.js'

/** SQL true when `column` is a type `pattern` matches; `param` numbers each value it adds. */
function matchesSql (column: string, pattern: string, param: (value: SqlValue) => string): string {
  if (pattern === '*') return '1 = 1'
  if (!pattern.endsWith('.*')) return `${column} = ${param(pattern)}`
  const prefix = pattern.slice(0, -1)
  return `substr(${column}, 1, ${prefix.length}) = ${param(prefix)}`
}

/**
 * SQL true when `column` holds a type routed to the handler of `types.pattern`; its values go
 * through `param`, which returns each one's placeholder (`$3`).
 */
export function routedTypesSql (column: string, types: RoutedTypes, param: (value: SqlValue) => string): string {
  const excluded = types.except.map((pattern) => ` AND NOT (${matchesSql(column, pattern, param)})`).join('')
  return `(${matchesSql(column, types.pattern, param)}${excluded})`
}
