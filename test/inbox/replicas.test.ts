// Two instances of the service on one PostgreSQL database, as two replicas behind a load balancer.
import { test } from 'tap'
import type Stripe from 'stripe'
import { buildApp, deliver, handlerFolder, loadFixture, settle } from '../helper.js'
import { freshPostgresSchema } from '../helpers/postgres.js'
import { handledEventIds } from '../fixtures/handler-folders/recording/payment_intent.succeeded.js'

test('two replicas share 1,000 events, duplicates included, and handle each exactly once', async (t) => {
  const url = await freshPostgresSchema(t)
  if (url === null) return
  handledEventIds.length = 0
  const env = { DATABASE_URL: url, POLL_INTERVAL_MS: '50', WORKER_CONCURRENCY: '8' }
  const replicas = [
    (await buildApp(t, { env, handlersDir: handlerFolder('recording') })).app,
    (await buildApp(t, { env, handlersDir: handlerFolder('recording') })).app
  ]
  const template = loadFixture<Stripe.PaymentIntentSucceededEvent>('payment_intent.succeeded')
  const ids = Array.from({ length: 1000 }, (_, index) => `evt_replica_${String(index).padStart(4, '0')}`)

  // Every event goes to one replica; every fifth is also redelivered, at the same moment, to the other.
  for (let start = 0; start < ids.length; start += 50) {
    const deliveries = ids.slice(start, start + 50).flatMap((id, offset) => {
      const event = { ...template, id }
      const index = start + offset
      const first = replicas[index % 2]
      const other = replicas[(index + 1) % 2]
      if (first === undefined || other === undefined) throw new Error('two replicas expected')
      return index % 5 === 0 ? [deliver(first, event), deliver(other, event)] : [deliver(first, event)]
    })
    const responses = await Promise.all(deliveries)
    t.same(responses.filter((response) => response.statusCode !== 200).map((response) => response.body), [], `batch at ${start} all acknowledged`)
  }
  await Promise.all(replicas.map(settle))

  t.equal(handledEventIds.length, 1000, 'the handler ran 1,000 times')
  t.equal(new Set(handledEventIds).size, 1000, 'once for each event')
  const store = replicas[0]?.eventInbox.store
  if (store === null || store === undefined) throw new Error('no store')
  t.same(await store.countByStatus(), { pending: 0, processing: 0, handled: 1000, unhandled: 0, ignored: 0, failed: 0, superseded: 0 }, 'the store agrees')
  const attempts = (await Promise.all(ids.map(async (id) => await store.attempts(id)))).flat()
  t.equal(attempts.filter((attempt) => attempt.outcome === 'handled').length, 1000, 'one handled attempt per event, by the store\'s own record')
  // An attempt's worker is its claim's lease token, `<instance>#<claim>`.
  const workers = new Set(attempts.map((attempt) => attempt.worker.replace(/#\d+$/, '')))
  t.equal(workers.size, 2, 'both replicas did work')
})
