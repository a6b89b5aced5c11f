// With RECONCILE_INTERVAL and STRIPE_SECRET_KEY set, sweeps Stripe's List Events API for events whose
// delivery failed (delivery_success=false) and stores those the inbox lacks, for the workers to run:
// the events Stripe gave up retrying, or that were refused while a signing secret was wrong. One
// replica sweeps at a time (a lease in the store); a failed sweep is logged and tried again within a
// minute (or the interval, if shorter), never taking the service down.
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import Stripe from 'stripe'
import { parseDuration } from '../src/time/durations.js'
import { defaultBackOff, stripeRetentionMs } from '../src/reconcile/list-events.js'
import { reconcileEvents } from '../src/reconcile/reconcile-events.js'
import { redactCredentials } from '../src/logging/redact-credentials.js'
import { settleWithin } from '../src/time/settle-within.js'
import { storeErrorFields } from '../src/store/store-health.js'
import { createStripeClient } from '../src/stripe-client.js'

// The first sweep's window: Stripe retries a failed delivery for three days, so older events were
// given up on long ago and are for an operator's `events reconcile --since`.
const firstWindowMs = 72 * 60 * 60 * 1000
// How soon a failed sweep is tried again, in milliseconds, when RECONCILE_INTERVAL is longer: a
// store still opening at start-up, or a Stripe outage, should not cost a whole interval.
const retryAfterFailureMs = 60_000
// How many of the ids a sweep stored its log line names.
const loggedIds = 50
// How long closing waits for a sweep's page in flight (stripe-node requests cannot be cancelled).
const closeWaitMs = 5000

function failureFields (error: unknown): Record<string, unknown> {
  // A StripeError carries the request it failed; only its words are logged, with any key hidden.
  if (error instanceof Stripe.errors.StripeError) return { reason: redactCredentials(error.message), statusCode: error.statusCode }
  return storeErrorFields(error)
}

const reconcileSweep: FastifyPluginAsync = async (fastify) => {
  const { config, log } = fastify
  const storedTotal = new Counter({
    name: 'stripe_reconcile_events_stored_total',
    help: 'Events the reconciliation sweep listed from Stripe (delivery_success=false) and stored because the inbox lacked them.',
    registers: [fastify.metrics.registry]
  })
  const failuresTotal = new Counter({
    name: 'stripe_reconcile_sweep_failures_total',
    help: 'Reconciliation sweeps that failed (the Stripe API or the store refused); each is tried again within a minute.',
    registers: [fastify.metrics.registry]
  })
  if (config.RECONCILE_INTERVAL === undefined) return
  const intervalMs = parseDuration(config.RECONCILE_INTERVAL) as number
  const key = config.STRIPE_SECRET_KEY
  if (key === undefined || fastify.eventInbox.store === null) {
    log.warn(`RECONCILE_INTERVAL is set but ${key === undefined ? 'STRIPE_SECRET_KEY is not' : 'there is no event store (EVENT_STORE=none)'}: no reconciliation sweep`)
    return
  }
  const store = fastify.eventInbox.store
  const stripe = createStripeClient(key, config, 2)
  const instance = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  const stopping = new AbortController()
  let sweeps = 0
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | null = null

  // Lists from shortly before the last complete sweep began: an event created just before it may
  // have failed its first delivery only after it listed.
  function windowStart (coveredUntil: number | null, now: number): number {
    const since = coveredUntil === null ? now - firstWindowMs : coveredUntil - intervalMs
    return Math.max(since, now - stripeRetentionMs + 60_000)
  }

  async function sweep (): Promise<void> {
    const now = Date.now()
    const owner = `${instance}#${++sweeps}`
    const claim = await store.claimReconcileSweep(owner, now, now + intervalMs, now - intervalMs)
    if (claim === null) return
    const since = windowStart(claim.coveredUntil, now)
    let completed = false
    try {
      const counts = await reconcileEvents(store, stripe, {
        since,
        deliverySuccess: false,
        livemode: config.LIVEMODE,
        hasHandler: fastify.stripeHandlers.has,
        backOff: {
          ...defaultBackOff,
          signal: stopping.signal,
          onRateLimited: (waitMs, retry) => log.warn({ waitMs, retry }, 'The Stripe API answered 429 (rate limited) during the reconciliation sweep; backing off')
        }
      })
      completed = true
      storedTotal.inc(counts.storedNow)
      const fields = { listed: counts.listed, alreadyStored: counts.alreadyStored, storedNow: counts.storedNow, since: new Date(since).toISOString() }
      // The ids name what to look into; after a long outage, the first of them are enough for a log line.
      if (counts.storedNow > 0) log.warn({ ...fields, eventIds: counts.storedIds.slice(0, loggedIds) }, `Reconciliation stored ${counts.storedNow} events Stripe failed to deliver; the workers hand them to their handlers`)
      else log.info(fields, 'Reconciliation sweep found no undelivered event missing from the store')
    } finally {
      await store.finishReconcileSweep(owner, completed).catch(() => {})
    }
  }

  function schedule (delayMs: number): void {
    timer = setTimeout(() => {
      let nextInMs = intervalMs
      running = sweep()
        .catch((error: unknown) => {
          if (stopping.signal.aborted) return
          failuresTotal.inc()
          nextInMs = Math.min(intervalMs, retryAfterFailureMs)
          log.error({ ...failureFields(error), retryInMs: nextInMs }, 'The reconciliation sweep failed; it is tried again')
        })
        .finally(() => {
          running = null
          if (!stopping.signal.aborted) schedule(nextInMs)
        })
    }, delayMs)
  }

  // After the workers start (event-inbox's onReady), so what the first sweep stores runs at once.
  fastify.addHook('onReady', async () => { schedule(0) })
  // Before the store closes (event-inbox's onClose).
  fastify.addHook('preClose', async () => {
    stopping.abort(new Error('the service is stopping'))
    clearTimeout(timer)
    if (running !== null) await settleWithin(running, closeWaitMs, undefined)
  })
}

export default fp(reconcileSweep, { name: 'reconcile-sweep', fastify: '5.x', dependencies: ['config', 'metrics', 'stripe-handlers', 'event-inbox'] })
