// What became of a delivery, each list written once: what the inbox did with it, and, as the webhook
// route counts it, what else could end it.
import { dispatchOutcomes } from '../routing/handler-router.js'

/**
 * What the inbox did with a delivery. `requeued`: a redelivery of an event that failed, or was stored
 * unhandled before its handler existed, is run again (queued, or run before the answer inline).
 * `conflict`: its id is stored with another type or object; kept for inspection, not run.
 * `superseded` (inline): settled without running, its skipSuperseded handler having handled a later event of its object.
 */
export const receiveOutcomes = ['queued', ...dispatchOutcomes, 'duplicate', 'ignored', 'requeued', 'conflict'] as const
export type ReceiveOutcome = typeof receiveOutcomes[number]

/**
 * A delivery's outcome in stripe_webhook_deliveries_total: what the inbox did, or the inbox's refusal
 * (`in_progress`: EVENT_IN_PROGRESS, `handler_failed`: HANDLER_FAILED), or `rejected` for any other.
 */
export const deliveryOutcomes = [...receiveOutcomes, 'in_progress', 'handler_failed', 'rejected'] as const
export type DeliveryOutcome = typeof deliveryOutcomes[number]
