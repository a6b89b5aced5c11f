// The once-only rule read from the attempts' history: a run that succeeded is known, whichever claim
// it ran under, so a later claim neither runs the event again nor leaves it anything but handled.

/**
 * SQL for when the event aliased `event` first succeeded since it was last requeued (a handled run
 * in its history, fenced or not), or NULL. Such an event's side effect is done: no claim runs it
 * again, and whatever its newer claims' runs did, it settles handled.
 */
export function firstSuccessAt (event: string): string {
  return `(SELECT MIN(a.finished_at) FROM stripe_event_attempts a
    WHERE a.event_id = ${event}.id AND a.outcome = 'handled' AND a.started_at >= COALESCE(${event}.requeued_at, 0))`
}
