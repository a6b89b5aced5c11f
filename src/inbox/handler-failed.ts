// A handler that failed before Stripe's answer (inline, or without a store): one log line with its
// error, and the 500 that has Stripe retry.
import type { FastifyBaseLogger } from 'fastify'
import { HandlerFailedError } from '../errors.js'
import { storeErrorFields } from '../store/store-health.js'

/** Logs the failure of `event`'s handler with `error` (a store outage by its reason, no stack) and returns the error to throw. */
export function handlerFailed (event: { id: string, type: string }, error: unknown, log: FastifyBaseLogger): InstanceType<typeof HandlerFailedError> {
  log.error({ ...storeErrorFields(error), eventId: event.id, eventType: event.type }, `Handler for ${event.type} failed`)
  return new HandlerFailedError(event.type)
}
