// The metrics plugin on a bare Fastify, outside the app: what it is told shows in the scrape text,
// and its queue gauges read the store it is given, a real SQLite file.
import { join } from 'node:path'
import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import metrics from '../../plugins/metrics.js'
import { toNewEvent } from '../../src/inbox/new-event.js'
import { createSqlEventStore } from '../../src/store/sql-event-store.js'
import { openSqliteClient } from '../../src/store/sqlite-client.js'
import { paymentIntentSucceeded, temporaryDir } from '../helper.js'

async function bareApp (t: { teardown: (fn: () => unknown) => void }): Promise<FastifyInstance> {
  const fastify = Fastify({ logger: false })
  t.teardown(() => fastify.close())
  await fastify.register(metrics)
  fastify.get('/metrics', async (_request, reply) => {
    const { registry } = fastify.metrics
    return await reply.type(registry.contentType).send(await registry.metrics())
  })
  await fastify.ready()
  return fastify
}

async function scrape (fastify: FastifyInstance): Promise<string> {
  const response = await fastify.inject({ method: 'GET', url: '/metrics' })
  if (response.statusCode !== 200) throw new Error(`GET /metrics answered ${response.statusCode}`)
  return response.body
}

// The value of the series `name{labels}`, or undefined when the text lacks it.
function seriesValue (text: string, name: string, labels = ''): number | undefined {
  const prefix = labels === '' ? `${name} ` : `${name}{${labels}} `
  const line = text.split('\n').find((row) => row.startsWith(prefix))
  return line === undefined ? undefined : Number(line.slice(prefix.length))
}

test('a recorded delivery outcome shows in the /metrics text, by type, outcome and reason', async (t) => {
  const fastify = await bareApp(t)
  fastify.metrics.countDelivery('invoice.paid', 'handled')
  fastify.metrics.countDelivery('invoice.paid', 'handled')
  fastify.metrics.countDelivery('unknown', 'rejected', 'INVALID_SIGNATURE')
  const text = await scrape(fastify)
  t.equal(seriesValue(text, 'stripe_webhook_deliveries_total', 'type="invoice.paid",outcome="handled",reason=""'), 2)
  t.equal(seriesValue(text, 'stripe_webhook_deliveries_total', 'type="unknown",outcome="rejected",reason="INVALID_SIGNATURE"'), 1)
  t.equal(seriesValue(text, 'stripe_webhook_signature_failures_total', 'reason="INVALID_SIGNATURE"'), 1, 'a signature failure also counts by its reason')
  fastify.metrics.countDelivery('invoice.paid', 'handled')
  t.equal(seriesValue(await scrape(fastify), 'stripe_webhook_deliveries_total', 'type="invoice.paid",outcome="handled",reason=""'), 3,
    'counts go on across scrapes')
})

test('as the attempt observer, it counts handler runs by outcome and run faults by kind', async (t) => {
  const fastify = await bareApp(t)
  fastify.metrics.observeAttempt('invoice.paid', 'handled', 0.02)
  fastify.metrics.observeAttempt('invoice.paid', 'failed', 0.5)
  fastify.metrics.countRunFault('invoice.paid', 'timed_out')
  const text = await scrape(fastify)
  t.equal(seriesValue(text, 'stripe_event_handler_duration_seconds_count', 'type="invoice.paid",outcome="handled"'), 1)
  t.equal(seriesValue(text, 'stripe_event_handler_duration_seconds_count', 'type="invoice.paid",outcome="failed"'), 1)
  t.equal(seriesValue(text, 'stripe_event_handler_duration_seconds_sum', 'type="invoice.paid",outcome="failed"'), 0.5)
  t.equal(seriesValue(text, 'stripe_event_run_faults_total', 'type="invoice.paid",fault="timed_out"'), 1)
})

test('without a store to gauge, the queue reads empty and the store counts as up', async (t) => {
  const text = await scrape(await bareApp(t))
  t.equal(seriesValue(text, 'stripe_events_queue_depth'), 0)
  t.equal(seriesValue(text, 'stripe_events_failed'), 0)
  t.equal(seriesValue(text, 'stripe_event_store_up'), 1)
})

test('the queue gauges read the store named by gaugeStore', async (t) => {
  const fastify = await bareApp(t)
  const store = createSqlEventStore(openSqliteClient(join(temporaryDir(t), 'events.sqlite')))
  t.teardown(() => store.close())
  await store.migrate()
  const event = paymentIntentSucceeded('evt_gauged_pending')
  await store.insert(toNewEvent(event, Buffer.from(JSON.stringify(event))), { status: 'pending' })
  fastify.metrics.gaugeStore(store)
  const text = await scrape(fastify)
  t.equal(seriesValue(text, 'stripe_events_queue_depth'), 1, 'the pending event is queued')
  t.ok((seriesValue(text, 'stripe_events_oldest_unsettled_age_seconds') ?? -1) >= 0, 'and has an age')
  t.equal(seriesValue(text, 'stripe_event_store_up'), 1)
})

test('a store that fails its reads gives NaN gauges and stripe_event_store_up 0, and the scrape still answers', async (t) => {
  const fastify = await bareApp(t)
  const store = createSqlEventStore(openSqliteClient(join(temporaryDir(t), 'events.sqlite')))
  await store.migrate()
  await store.close()
  fastify.metrics.gaugeStore(store)
  const text = await scrape(fastify)
  t.ok(Number.isNaN(seriesValue(text, 'stripe_events_queue_depth')), 'the queue depth is unknown')
  t.equal(seriesValue(text, 'stripe_event_store_up'), 0)
})
