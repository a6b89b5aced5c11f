// The LIVEMODE setting as the inbox applies it: which mode's events a deployment handles, and the
// line an event of the other mode gets.
import type { FastifyBaseLogger } from 'fastify'
import type { RoutedEvent } from '../delivery/routed-event.js'

export type LivemodeGuard = 'any' | 'live' | 'test'

/** Whether a deployment that takes `guard` events handles this one. */
export function takesLivemode (guard: LivemodeGuard, livemode: boolean): boolean {
  return guard === 'any' || (guard === 'live') === livemode
}

// Info, not warn: a Connect platform's live deployment receives its test-mode events as a matter of
// course. The webhook route counts them (stripe_webhook_events_ignored_total).
export function logIgnored (event: RoutedEvent, guard: LivemodeGuard, log: FastifyBaseLogger): void {
  log.info({ eventId: event.id, eventType: event.type, livemode: event.livemode },
    `Ignored a ${event.livemode ? 'live' : 'test'}-mode event: LIVEMODE=${guard} handles only ${guard}-mode events`)
}
