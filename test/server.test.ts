// The server process: graceful shutdown on SIGTERM, a second signal, and the separate metrics port.
import { join } from 'node:path'
import { test } from 'tap'
import { runTriggerCommand } from '../src/cli/trigger-command.js'
import { createSqlEventStore } from '../src/store/sql-event-store.js'
import { openSqliteClient } from '../src/store/sqlite-client.js'
import { handlerFolder, paymentIntentSucceeded, temporaryDir } from './helper.js'
import { exited, post, startServer } from './helpers/server-process.js'
import { freePort } from './helpers/free-port.js'

async function storedStatuses (dataDir: string): Promise<Record<string, number>> {
  const store = createSqlEventStore(openSqliteClient(join(dataDir, 'events.sqlite')))
  try {
    return await store.countByStatus()
  } finally {
    await store.close()
  }
}

const waitFor = async (condition: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

test('SIGTERM during inline deliveries: every in-flight delivery is answered, then exit 0', async (t) => {
  const dataDir = temporaryDir(t)
  const server = await startServer({ DATA_DIR: dataDir, HANDLERS_DIR: handlerFolder('slow'), PROCESSING_MODE: 'inline' })
  t.teardown(() => server.child.kill('SIGKILL'))
  const deliveries = Array.from({ length: 10 }, async (_, index) =>
    await post(server.url, paymentIntentSucceeded(`evt_inflight_${index}`, { delay_ms: '400' })))
  // SIGTERM once every handler is running, well before any has finished.
  await waitFor(() => server.logs.filter((line) => line.msg === 'slow handler started').length === 10)
  server.child.kill('SIGTERM')

  t.same(await Promise.all(deliveries), Array(10).fill(200), 'all ten answered 200')
  t.equal(await exited(server.child), 0, 'exit code 0')
  t.match(await storedStatuses(dataDir), { handled: 10, pending: 0, processing: 0 }, 'all handled, by the store')
  t.ok(server.logs.some((line) => line.msg === 'Shutting down' && line.signal === 'SIGTERM'))
})

test('SIGTERM with handlers outlasting the grace period: they are released for retry, and handled after restart', async (t) => {
  const dataDir = temporaryDir(t)
  const env = { DATA_DIR: dataDir, HANDLERS_DIR: handlerFolder('slow'), SHUTDOWN_GRACE_MS: '200' }
  const first = await startServer(env)
  t.teardown(() => first.child.kill('SIGKILL'))
  const statuses = await Promise.all(Array.from({ length: 5 }, async (_, index) =>
    await post(first.url, paymentIntentSucceeded(`evt_released_${index}`, { delay_ms: '5000' }))))
  t.same(statuses, Array(5).fill(200), 'queued deliveries answered at once')
  const signalledAt = Date.now()
  first.child.kill('SIGTERM')
  t.equal(await exited(first.child), 0, 'exit code 0')
  t.ok(Date.now() - signalledAt < 4000, 'within the grace period, not after the handlers')
  t.match(await storedStatuses(dataDir), { pending: 5, processing: 0, handled: 0 }, 'released, not lost')
  t.ok(first.logs.some((line) => line.msg === 'Released 5 events whose handlers did not finish in time; they will be retried'))

  const second = await startServer({ ...env, SHUTDOWN_GRACE_MS: '10000' })
  t.teardown(() => second.child.kill('SIGKILL'))
  const deadline = Date.now() + 15_000
  let counts = await storedStatuses(dataDir)
  while ((counts.handled ?? 0) < 5 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    counts = await storedStatuses(dataDir)
  }
  t.match(counts, { handled: 5 }, 'handled after the restart')
  second.child.kill('SIGTERM')
  t.equal(await exited(second.child), 0)
})

test('a second signal exits at once', async (t) => {
  const dataDir = temporaryDir(t)
  const server = await startServer({ DATA_DIR: dataDir, HANDLERS_DIR: handlerFolder('slow'), SHUTDOWN_GRACE_MS: '60000' })
  t.teardown(() => server.child.kill('SIGKILL'))
  t.equal(await post(server.url, paymentIntentSucceeded('evt_second_signal', { delay_ms: '30000' })), 200)
  server.child.kill('SIGTERM')
  await waitFor(() => server.logs.some((line) => line.msg === 'Shutting down'))
  const signalledAt = Date.now()
  server.child.kill('SIGINT')
  t.equal(await exited(server.child), 1, 'exit code 1: the shutdown was cut short')
  t.ok(Date.now() - signalledAt < 3000, 'at once')
})

test('METRICS_PORT serves health and metrics on a port of their own', async (t) => {
  const dataDir = temporaryDir(t)
  const metricsPort = await freePort()
  const server = await startServer({ DATA_DIR: dataDir, METRICS_PORT: String(metricsPort) })
  t.teardown(() => server.child.kill('SIGKILL'))
  const opsUrl = `http://127.0.0.1:${metricsPort}`
  t.equal((await fetch(`${opsUrl}/readyz`)).status, 200)
  t.match(await (await fetch(`${opsUrl}/metrics`)).text(), /stripe_webhook_deliveries_total/)
  t.equal((await fetch(`${server.url}/metrics`)).status, 404, 'not on the public listener')
  server.child.kill('SIGTERM')
  t.equal(await exited(server.child), 0)
})

test('the local loop: a development server without a secret takes what the trigger sends', async (t) => {
  const { child, url, logs } = await startServer({ NODE_ENV: 'development', STRIPE_WEBHOOK_SECRET: '', DATA_DIR: temporaryDir(t) })
  t.teardown(() => { child.kill('SIGKILL') })
  t.ok(logs.some((line) => String(line.msg).includes('STRIPE_WEBHOOK_SECRET is not set: using the local development secret')))
  const lines: string[] = []
  const code = await runTriggerCommand(['payment_intent.succeeded'], { env: { PORT: new URL(url).port }, out: (line) => lines.push(line) })
  t.equal(code, 0)
  t.match(lines.join('\n'), '← 200 {"received":true}')
  await waitFor(() => logs.some((line) => line.msg === 'PaymentIntent was successful!'))
  t.pass('the seed handler ran')
})
