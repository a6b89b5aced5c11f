// Prometheus metrics for the operator: what arrives, what is refused and why, how long handlers
// take, and how far behind the queue is. One registry per app, so two apps in a process never mix.
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { signatureFailureCodes } from '../src/errors.js'
import type { AttemptObserver } from '../src/inbox/attempt-observer.js'
import type { DeliveryOutcome } from '../src/inbox/receive-outcome.js'
import type { EventStore } from '../src/store/event-store.js'
import { createStoreGaugeReader, type StoreGauges } from '../src/store/store-gauges.js'

/** What the app counts for Prometheus; as the inbox's AttemptObserver, it hears each handler run's duration (seconds) and faults. */
export interface RouterMetrics extends AttemptObserver {
  registry: Registry
  /** One delivery and how it ended; `reason` is the error code of a rejected one. A `conflict` also counts in stripe_webhook_event_id_conflicts_total. */
  countDelivery: (type: string, outcome: DeliveryOutcome, reason?: string) => void
  /** An event of another API release than STRIPE_API_VERSION's, by the event's own version. */
  countApiVersionMismatch: (apiVersion: string) => void
  /** An event the LIVEMODE setting keeps from its handler (first delivery only), by its livemode. */
  countIgnoredEvent: (livemode: boolean) => void
  /** A request that reached no event route (404) or used another method on one (405). */
  countUnroutedRequest: (method: string, statusCode: 404 | 405) => void
  /**
   * Names the event store whose queue the gauges read at scrape time: the inbox plugin's, handed over
   * at start-up (a PostgreSQL store not open yet reads as down). Without one (EVENT_STORE=none, or a
   * bare Fastify), nothing is queued: the gauges read 0.
   */
  gaugeStore: (store: EventStore) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: RouterMetrics
  }
}

// How long a scrape waits for the store's numbers, in milliseconds.
const storeReadMs = 1000

const metrics: FastifyPluginAsync = async (fastify) => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  // The hot path only counts into Maps; prom-client gets the numbers at scrape time. prom-client
  // hashes a label set on every inc and observe, which showed at a few percent of a request.
  // Keyed by each label in turn: a joined key was a new string to hash on every delivery.
  const deliveryCounts = new Map<string, Map<string, Map<string, { labels: { type: string, outcome: string, reason: string }, count: number }>>>()
  const pendingDurations = new Map<string, Map<string, { labels: { type: string, outcome: string }, seconds: number[] }>>()
  void new Counter({
    name: 'stripe_webhook_deliveries_total',
    help: 'Deliveries by event type and outcome; rejected ones by reason (the error code).',
    labelNames: ['type', 'outcome', 'reason'],
    registers: [registry],
    collect () {
      for (const byOutcome of deliveryCounts.values()) {
        for (const byReason of byOutcome.values()) {
          for (const entry of byReason.values()) {
            if (entry.count === 0) continue
            this.inc(entry.labels, entry.count)
            entry.count = 0
          }
        }
      }
    }
  })
  const signatureFailures = new Counter({
    name: 'stripe_webhook_signature_failures_total',
    help: 'Deliveries refused because their Stripe-Signature did not verify, by reason.',
    labelNames: ['reason'],
    registers: [registry]
  })
  const handlerDuration = new Histogram({
    name: 'stripe_event_handler_duration_seconds',
    help: 'How long each handler run took, by event type and outcome.',
    labelNames: ['type', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
    collect () {
      for (const byOutcome of pendingDurations.values()) {
        for (const entry of byOutcome.values()) flushDurations(entry)
      }
    }
  })
  function flushDurations (entry: { labels: { type: string, outcome: string }, seconds: number[] }): void {
    for (const seconds of entry.seconds) handlerDuration.observe(entry.labels, seconds)
    entry.seconds.length = 0
  }
  const apiVersionMismatches = new Counter({
    name: 'stripe_event_api_version_mismatches_total',
    help: 'Events whose api_version is of another release than the one the handlers are written for (STRIPE_API_VERSION).',
    labelNames: ['api_version'],
    registers: [registry]
  })
  // A test-mode event on a live deployment is routine for a Connect platform: counted, not warned.
  const ignoredEvents = new Counter({
    name: 'stripe_webhook_events_ignored_total',
    help: 'Events acknowledged, stored and not handled because LIVEMODE takes only the other mode, by the event\'s livemode.',
    labelNames: ['livemode'],
    registers: [registry]
  })

  // Rare by nature (one per faulty run), so counted straight into prom-client.
  const runFaults = new Counter({
    name: 'stripe_event_run_faults_total',
    help: 'Handler runs that went wrong beyond a thrown error, by event type and fault: slow (past half of ' +
      'HANDLER_TIMEOUT_MS), timed_out, lease_lost, uncaught (a handler callback threw outside its promise), ' +
      'suspected_duplicate (a success the instance could not record before it stopped), abandoned (failed at ' +
      'claim time after its last allowed run stopped).',
    labelNames: ['type', 'fault'],
    registers: [registry]
  })

  // Rare (Stripe's Dashboard test webhooks reuse one id for every type), so counted straight into prom-client.
  const idConflicts = new Counter({
    name: 'stripe_webhook_event_id_conflicts_total',
    help: 'Deliveries whose event id was stored already with another type or object, by the delivered type; kept for inspection, not handled.',
    labelNames: ['type'],
    registers: [registry]
  })

  // Most often an endpoint URL registered wrong in Stripe: alert when this grows. No path label:
  // paths come from the client, and each would be a series of its own.
  const unroutedRequests = new Counter({
    name: 'stripe_webhook_unrouted_requests_total',
    help: 'Requests that matched no route (404) or used another method than POST on an event path (405), by method and status.',
    labelNames: ['method', 'status'],
    registers: [registry]
  })

  // Read from the store at scrape time: the queue is shared by every replica. During an outage the
  // scrape still answers within storeReadMs: these gauges are NaN, and stripe_event_store_up says 0.
  let gaugedStore: EventStore | null = null
  const storeGauges = createStoreGaugeReader(() => gaugedStore, storeReadMs)
  const storeGauge = (name: string, help: string, value: (gauges: StoreGauges) => number, whenDown = Number.NaN): void => {
    void new Gauge({
      name,
      help,
      registers: [registry],
      async collect () {
        const gauges = await storeGauges()
        this.set(gauges === null ? whenDown : value(gauges))
      }
    })
  }
  storeGauge('stripe_events_queue_depth', 'Stored events not yet settled (pending or being handled), across every replica; NaN when the store does not answer.',
    (gauges) => gauges.unsettled)
  storeGauge('stripe_events_oldest_unsettled_age_seconds', 'Age of the oldest stored event not yet settled; 0 when the queue is empty, NaN when the store does not answer.',
    (gauges) => gauges.oldestUnsettledReceivedAt === null ? 0 : (Date.now() - gauges.oldestUnsettledReceivedAt) / 1000)
  storeGauge('stripe_events_failed', 'Stored events marked failed (the dead letter), waiting for a replay; NaN when the store does not answer.',
    (gauges) => gauges.failed)
  storeGauge('stripe_event_store_up', `1 when the event store answered this scrape's reads within ${storeReadMs} ms (or there is no store), 0 when it failed or was late.`,
    () => 1, 0)

  fastify.decorate('metrics', {
    registry,
    countDelivery: (type, outcome, reason = '') => {
      let byOutcome = deliveryCounts.get(type)
      if (byOutcome === undefined) deliveryCounts.set(type, byOutcome = new Map())
      let byReason = byOutcome.get(outcome)
      if (byReason === undefined) byOutcome.set(outcome, byReason = new Map())
      let entry = byReason.get(reason)
      if (entry === undefined) {
        entry = { labels: { type, outcome, reason }, count: 0 }
        byReason.set(reason, entry)
      }
      entry.count++
      if (signatureFailureCodes.has(reason)) signatureFailures.inc({ reason })
      if (outcome === 'conflict') idConflicts.inc({ type })
    },
    observeAttempt: (type, outcome, seconds) => {
      let byOutcome = pendingDurations.get(type)
      if (byOutcome === undefined) pendingDurations.set(type, byOutcome = new Map())
      let entry = byOutcome.get(outcome)
      if (entry === undefined) {
        entry = { labels: { type, outcome }, seconds: [] }
        byOutcome.set(outcome, entry)
      }
      entry.seconds.push(seconds)
      // Bounded between scrapes: a service nobody scrapes must not grow.
      if (entry.seconds.length >= 1000) flushDurations(entry)
    },
    countApiVersionMismatch: (apiVersion) => apiVersionMismatches.inc({ api_version: apiVersion }),
    countIgnoredEvent: (livemode) => ignoredEvents.inc({ livemode: String(livemode) }),
    countRunFault: (type, fault) => runFaults.inc({ type, fault }),
    countUnroutedRequest: (method, statusCode) => unroutedRequests.inc({ method, status: String(statusCode) }),
    gaugeStore: (store) => { gaugedStore = store }
  })
}

export default fp(metrics, { name: 'metrics', fastify: '5.x' })
