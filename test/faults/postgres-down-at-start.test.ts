// The service started while its database is down: it must listen, unready, refuse deliveries with
// 503, and open the store by itself once the database starts.
import { test } from 'tap'
import { buildApp, deliver, paymentIntentSucceeded } from '../helper.js'
import { runPostgresFault } from '../helpers/postgres-fault-run.js'
import { freePort } from '../helpers/free-port.js'

test('started while the database is down: up and unready, 503s, then ready by itself once it starts', async (t) => {
  let healthz: number | undefined
  const { server, cluster } = await runPostgresFault(t, {
    name: 'down_at_start',
    downAtStart: true,
    unreadyDuringFault: true,
    inject: async (cluster, server) => {
      healthz = (await fetch(`${server.url}/healthz`)).status
      await new Promise((resolve) => setTimeout(resolve, 1500))
      await cluster.start()
    }
  })
  t.equal(healthz, 200, '/healthz says 200 while the database is down: the process is alive, only unready')
  const redacted = `postgres://postgres:***@127.0.0.1:${cluster.port}/postgres`
  const cannotOpen = server.logs.find((line) => /^Cannot open the event store/.test(String(line.msg)))
  t.match(cannotOpen, { level: 50, database: redacted, cause: /ECONNREFUSED/ }, 'the log names DATABASE_URL, password hidden, and the cause')
  t.match(server.logs.find((line) => /^Event store open at/.test(String(line.msg))), { level: 30, database: redacted }, 'and says when the store opens')
})

test('an app whose database never answers starts, refuses deliveries with 503, and closes at once', async (t) => {
  const url = `postgres://app:secret-pw@127.0.0.1:${await freePort()}/events`
  const { app, logs } = await buildApp(t, { env: { DATABASE_URL: url } })
  const readiness = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(readiness.statusCode, 503, '/readyz is 503')
  t.match(readiness.json(), { status: 'unready', store: /^unavailable: not open yet: ECONNREFUSED/ }, 'with the reason')
  const response = await deliver(app, paymentIntentSucceeded('evt_never_stored'))
  t.equal(response.statusCode, 503, 'a delivery gets 503')
  t.match(response.json(), { code: 'STORE_UNAVAILABLE' })
  const startedAt = Date.now()
  await app.close()
  t.ok(Date.now() - startedAt < 1000, `closing while it retries does not wait for the retries (${Date.now() - startedAt} ms)`)
  t.notOk(logs.some((line) => JSON.stringify(line).includes('secret-pw')), 'the password never reaches the log')
})
