// The event-inbox plugin on a bare Fastify with only the plugins it declares (config, stripe-handlers,
// metrics): a received event is stored in a real SQLite file, and its handler runs once per event id.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import eventInbox from '../../plugins/event-inbox.js'
import metrics from '../../plugins/metrics.js'
import stripeHandlers from '../../plugins/stripe-handlers.js'
import type { RoutedEvent } from '../../src/delivery/routed-event.js'
import { handlerFolder, paymentIntentSucceeded, temporaryDir } from '../helper.js'
import { bareFastify, registerSettings, type BareFastify } from '../helpers/bare-fastify.js'
import { sideEffectCounts } from '../helpers/side-effects.js'

// A tiny route that hands the posted event to the inbox, as the webhook route does once it is verified.
async function bareApp (t: Parameters<typeof bareFastify>[0], env: Record<string, string>): Promise<BareFastify> {
  const bare = bareFastify(t)
  const { fastify } = bare
  await registerSettings(t, fastify, env)
  await fastify.register(metrics)
  await fastify.register(stripeHandlers, { handlersDir: handlerFolder('side-effects') })
  await fastify.register(eventInbox)
  fastify.post('/receive', async (request) => {
    const outcome = await fastify.eventInbox.receive(request.body as RoutedEvent, Buffer.from(JSON.stringify(request.body)), request.log)
    return { outcome }
  })
  await fastify.ready()
  return bare
}

async function receive (fastify: FastifyInstance, event: object): Promise<unknown> {
  const response = await fastify.inject({ method: 'POST', url: '/receive', payload: event })
  return response.json()
}

test('a received event is stored in the SQLite file, and a repeated id does not run its handler twice', async (t) => {
  const dataDir = temporaryDir(t)
  const effectsFile = join(dataDir, 'effects.log')
  const { fastify } = await bareApp(t, { DATA_DIR: dataDir, EVENT_STORE: 'sqlite' })
  const event = paymentIntentSucceeded('evt_bare_inbox_1', { effects_file: effectsFile })
  t.same(await receive(fastify, event), { outcome: 'queued' })
  t.same(await receive(fastify, event), { outcome: 'duplicate' }, 'the repeated id is recognised')
  await fastify.eventInbox.drain()
  t.same([...sideEffectCounts(effectsFile)], [['evt_bare_inbox_1', 1]], 'the handler ran once')
  t.match(await fastify.eventInbox.store?.get('evt_bare_inbox_1'), { type: 'payment_intent.succeeded', status: 'handled', attempts: 1 })

  // Closing the instance closes the store; the file holds the event for the next start.
  await fastify.close()
  const file = join(dataDir, 'events.sqlite')
  t.ok(existsSync(file))
  const database = new Database(file, { readonly: true })
  t.teardown(() => database.close())
  t.same(database.prepare('SELECT id, status FROM stripe_events').all(), [{ id: 'evt_bare_inbox_1', status: 'handled' }])
})

test('inline, a repeated id is answered duplicate after its handler ran once', async (t) => {
  const dataDir = temporaryDir(t)
  const effectsFile = join(dataDir, 'effects.log')
  const { fastify } = await bareApp(t, { DATA_DIR: dataDir, EVENT_STORE: 'sqlite', PROCESSING_MODE: 'inline' })
  const event = paymentIntentSucceeded('evt_bare_inbox_2', { effects_file: effectsFile })
  t.same(await receive(fastify, event), { outcome: 'handled' })
  t.same(await receive(fastify, event), { outcome: 'duplicate' })
  t.same([...sideEffectCounts(effectsFile)], [['evt_bare_inbox_2', 1]])
})

test('EVENT_STORE=none stores nothing and runs each delivery\'s handler inline, saying so at start-up', async (t) => {
  const dataDir = temporaryDir(t)
  const effectsFile = join(dataDir, 'effects.log')
  const { fastify, logs } = await bareApp(t, { DATA_DIR: dataDir, EVENT_STORE: 'none' })
  t.equal(fastify.eventInbox.store, null)
  t.ok(logs.some((line) => line.level === 40 && line.msg.startsWith('EVENT_STORE=none')))
  const event = paymentIntentSucceeded('evt_bare_inbox_3', { effects_file: effectsFile })
  t.same(await receive(fastify, event), { outcome: 'handled' })
  t.same(await receive(fastify, event), { outcome: 'handled' }, 'without a store, nothing deduplicates')
  t.same([...sideEffectCounts(effectsFile)], [['evt_bare_inbox_3', 2]])
  t.notOk(existsSync(join(dataDir, 'events.sqlite')), 'no file is created')
})
