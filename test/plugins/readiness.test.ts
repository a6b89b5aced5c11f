// The readiness plugin on a bare Fastify with the plugins it declares (event-inbox, stripe-handlers,
// and theirs): ready while the store answers and the app is up; unready, with the reason, otherwise.
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import eventInbox from '../../plugins/event-inbox.js'
import metrics from '../../plugins/metrics.js'
import readiness, { type Readiness } from '../../plugins/readiness.js'
import stripeHandlers from '../../plugins/stripe-handlers.js'
import { handlerFolder } from '../helper.js'
import { bareFastify, registerSettings } from '../helpers/bare-fastify.js'
import { freePort } from '../helpers/free-port.js'

// A tiny probe route, as an orchestrator would read the decorator: 200 when ready, else 503.
async function bareApp (t: Parameters<typeof bareFastify>[0], env: Record<string, string> = {}, beforeReady?: (fastify: FastifyInstance) => void): Promise<FastifyInstance> {
  const { fastify } = bareFastify(t)
  await registerSettings(t, fastify, env)
  await fastify.register(metrics)
  await fastify.register(stripeHandlers, { handlersDir: handlerFolder('recording') })
  await fastify.register(eventInbox)
  await fastify.register(readiness)
  fastify.get('/ready', async (_request, reply) => {
    const answer = await fastify.readiness()
    return await reply.code(answer.ready ? 200 : 503).send(answer)
  })
  beforeReady?.(fastify)
  await fastify.ready()
  return fastify
}

async function probe (fastify: FastifyInstance): Promise<{ statusCode: number, body: Readiness }> {
  const response = await fastify.inject({ method: 'GET', url: '/ready' })
  return { statusCode: response.statusCode, body: response.json() }
}

test('ready with an open SQLite store and loaded handlers', async (t) => {
  const fastify = await bareApp(t, { EVENT_STORE: 'sqlite' })
  t.same(await probe(fastify), {
    statusCode: 200,
    body: { ready: true, checks: { store: 'sqlite', handlers: 1, slots: 'free', shuttingDown: false } }
  })
})

test('ready without a store (EVENT_STORE=none): nothing to wait for', async (t) => {
  const fastify = await bareApp(t, { EVENT_STORE: 'none' })
  t.same(await probe(fastify), {
    statusCode: 200,
    body: { ready: true, checks: { store: 'none', handlers: 1, slots: 'free', shuttingDown: false } }
  })
})

test('unready, with the reason, while the store cannot be opened', async (t) => {
  const fastify = await bareApp(t, { DATABASE_URL: `postgres://app:secret-pw@127.0.0.1:${await freePort()}/events` })
  const { statusCode, body } = await probe(fastify)
  t.equal(statusCode, 503)
  t.match(body, { ready: false, checks: { store: /^unavailable: not open yet: ECONNREFUSED/, handlers: 1, shuttingDown: false } })
  t.notOk(JSON.stringify(body).includes('secret-pw'), 'the password is not in the answer')
})

test('unready as soon as a shutdown starts, and answers sent then close their connection', async (t) => {
  let duringShutdown: Readiness | undefined
  let arrived!: () => void
  const requestArrived = new Promise<void>((resolve) => { arrived = resolve })
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  const fastify = await bareApp(t, { EVENT_STORE: 'sqlite' }, (instance) => {
    // A request in flight when the shutdown starts, answered only once it has started.
    instance.get('/in-flight', async () => {
      arrived()
      await released
      return { answered: true }
    })
    // Runs after the plugin's own preClose hook, registered earlier.
    instance.addHook('preClose', async () => {
      duringShutdown = await instance.readiness()
      release()
    })
  })
  const url = await fastify.listen({ port: 0, host: '127.0.0.1' })
  const inFlight = fetch(`${url}/in-flight`)
  await requestArrived
  const closed = fastify.close()
  const response = await inFlight
  await closed
  t.match(duringShutdown, { ready: false, checks: { store: 'sqlite', shuttingDown: true } })
  t.same(await response.json(), { answered: true })
  t.equal(response.headers.get('connection'), 'close', 'a keep-alive connection does not hold the close')
})
