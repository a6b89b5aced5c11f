// Compares what the handlers on disk take with what a Stripe webhook endpoint is subscribed to
// (`enabled_events`, where Stripe knows exact types and `*`, but no prefixes). Thin-event handlers
// belong to event destinations, not webhook endpoints, and are left out.
import { stripeEventTypes } from '../routing/stripe-event-types.js'
import { isUnlistedSnapshotType } from '../routing/unlisted-event-types.js'

/** The `enabled_events` that send exactly what these handler patterns take. */
export function subscriptionsFor (patterns: Iterable<string>): string[] {
  const wanted = new Set<string>()
  for (const pattern of patterns) {
    if (pattern === '*') return ['*']
    if (!pattern.endsWith('.*')) {
      // A type newer than stripe (defineUnlistedHandler) is subscribed to like any other.
      if (stripeEventTypes().has(pattern) || isUnlistedSnapshotType(pattern, stripeEventTypes())) wanted.add(pattern)
      continue
    }
    // Stripe subscribes to types, not prefixes: a prefix handler wants every type it covers today.
    const prefix = pattern.slice(0, -1)
    for (const type of stripeEventTypes()) if (type.startsWith(prefix)) wanted.add(type)
  }
  return [...wanted].sort()
}

export interface SubscriptionDifference {
  /** Types a handler takes that the endpoint is not subscribed to: they never arrive. */
  notSubscribed: string[]
  /** Types the endpoint sends that no handler takes (`*`: it sends every type). */
  notHandled: string[]
}

export function compareSubscriptions (wanted: readonly string[], enabledEvents: readonly string[]): SubscriptionDifference {
  const enabled = new Set(enabledEvents)
  const wantedSet = new Set(wanted)
  return {
    notSubscribed: enabled.has('*') ? [] : wanted.filter((type) => !enabled.has(type)),
    notHandled: wantedSet.has('*') ? [] : [...enabled].filter((type) => !wantedSet.has(type)).sort()
  }
}
