// Per-object order: a handler with skipSuperseded never writes an older state of an object over a
// newer one it already handled, events of one second all run, and every handler's context says
// when a later event of its object was handled. Both modes, both stores; the handlers' own file of
// the states they wrote is the witness, not the store.
import { join } from 'node:path'
import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { runEventsCommand } from '../../src/cli/events-command.js'
import { buildEvent } from '../../src/samples/build-event.js'
import { buildApp, deliver, handlerFolder, settle, temporaryDir } from '../helper.js'
import { backendEnv, backends } from '../helpers/postgres.js'
import { readStates } from '../fixtures/object-order/state-log.js'

const modes = ['queued', 'inline'] as const
const t0 = 1764244800

type SubscriptionType = 'customer.subscription.created' | 'customer.subscription.updated' | 'customer.subscription.deleted'

/** A subscription event about `sub_order_1`, created at `created`, whose handler writes `status` to `stateFile`. */
function subscriptionEvent (type: SubscriptionType, id: string, created: number, status: string, stateFile: string): object {
  return buildEvent(type, { id, created, fields: { id: 'sub_order_1', status, 'metadata.state_file': stateFile } })
}

/** Delivers each event and lets its handler settle before the next arrives: the order Stripe delivered them in. */
async function deliverInOrder (t: Test, app: FastifyInstance, events: object[]): Promise<void> {
  for (const event of events) {
    t.equal((await deliver(app, event)).statusCode, 200, `${(event as { id: string }).id} is acknowledged`)
    await settle(app)
  }
}

for (const backend of backends) {
  for (const mode of modes) {
    const appFor = async (t: Test, folder: string): Promise<FastifyInstance | null> => {
      const env = await backendEnv(t, backend)
      if (env === null) return null
      const { app } = await buildApp(t, { env: { ...env, PROCESSING_MODE: mode, POLL_INTERVAL_MS: '20' }, handlersDir: handlerFolder(folder) })
      return app
    }

    test(`${backend}, ${mode}: with skipSuperseded, a subscription event older than one already handled is superseded and the newest state stays`, async (t) => {
      const app = await appFor(t, 'order-skip-superseded')
      if (app === null) return
      const stateFile = join(temporaryDir(t), 'states.jsonl')
      const newer = subscriptionEvent('customer.subscription.updated', 'evt_order_newer', t0 + 10, 'past_due', stateFile)
      const older = subscriptionEvent('customer.subscription.created', 'evt_order_older', t0 + 5, 'incomplete', stateFile)

      await deliverInOrder(t, app, [newer, older])

      const states = readStates(stateFile)
      t.same(states.map((write) => write.eventId), ['evt_order_newer'], 'the older event did not run')
      t.equal(states.at(-1)?.status, 'past_due', 'the state written last is the newest')
      const store = app.eventInbox.store
      t.match(await store?.get('evt_order_older'), { status: 'superseded', attempts: 1, lastError: null })
      t.same((await store?.attempts('evt_order_older'))?.map((attempt) => attempt.outcome), ['superseded'])
      t.match(await store?.get('evt_order_newer'), { status: 'handled' })
    })

    test(`${backend}, ${mode}: events of one object created in the same second all run, in whatever order they arrive`, async (t) => {
      const app = await appFor(t, 'order-skip-superseded')
      if (app === null) return
      const stateFile = join(temporaryDir(t), 'states.jsonl')
      await deliverInOrder(t, app, [
        subscriptionEvent('customer.subscription.updated', 'evt_same_3', t0 + 7, 'active', stateFile),
        subscriptionEvent('customer.subscription.created', 'evt_same_1', t0 + 7, 'incomplete', stateFile),
        subscriptionEvent('customer.subscription.updated', 'evt_same_2', t0 + 7, 'trialing', stateFile)
      ])

      t.same(readStates(stateFile).map((write) => [write.eventId, write.newerHandledEventId]),
        [['evt_same_3', null], ['evt_same_1', null], ['evt_same_2', null]], 'every event ran, and none was told of a newer one')
      for (const id of ['evt_same_1', 'evt_same_2', 'evt_same_3']) t.match(await app.eventInbox.store?.get(id), { status: 'handled' })
    })

    test(`${backend}, ${mode}: without skipSuperseded both events run, and the older one's context names the newer one handled`, async (t) => {
      const app = await appFor(t, 'order-plain')
      if (app === null) return
      const stateFile = join(temporaryDir(t), 'states.jsonl')
      await deliverInOrder(t, app, [
        subscriptionEvent('customer.subscription.updated', 'evt_plain_newer', t0 + 10, 'past_due', stateFile),
        subscriptionEvent('customer.subscription.created', 'evt_plain_older', t0 + 5, 'incomplete', stateFile)
      ])

      t.same(readStates(stateFile).map((write) => [write.eventId, write.status, write.newerHandledEventId]), [
        ['evt_plain_newer', 'past_due', null],
        ['evt_plain_older', 'incomplete', 'evt_plain_newer']
      ])
      t.match(await app.eventInbox.store?.get('evt_plain_older'), { status: 'handled' })
    })

    test(`${backend}, ${mode}: only the same handler's events supersede: a later event routed to another file does not`, async (t) => {
      const app = await appFor(t, 'order-skip-superseded')
      if (app === null) return
      const stateFile = join(temporaryDir(t), 'states.jsonl')
      await deliverInOrder(t, app, [
        subscriptionEvent('customer.subscription.deleted', 'evt_other_deleted', t0 + 20, 'canceled', stateFile),
        subscriptionEvent('customer.subscription.updated', 'evt_other_updated', t0 + 10, 'active', stateFile)
      ])

      t.same(readStates(stateFile).map((write) => [write.handler, write.eventId, write.newerHandledEventId]), [
        ['customer.subscription.deleted', 'evt_other_deleted', null],
        ['customer.subscription.*', 'evt_other_updated', null]
      ], 'the _all handler ran: the later event went to customer.subscription.deleted.ts')
    })
  }

  test(`${backend}: a superseded event is listed, counted and shown as superseded, and a forced replay of it is checked again`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    const settings = { ...env, DATA_DIR: temporaryDir(t), PROCESSING_MODE: 'inline', POLL_INTERVAL_MS: '20' }
    const { app } = await buildApp(t, { env: settings, handlersDir: handlerFolder('order-skip-superseded') })
    const stateFile = join(temporaryDir(t), 'states.jsonl')
    await deliverInOrder(t, app, [
      subscriptionEvent('customer.subscription.updated', 'evt_shown_newer', t0 + 10, 'past_due', stateFile),
      subscriptionEvent('customer.subscription.updated', 'evt_shown_older', t0 + 5, 'active', stateFile)
    ])

    const lines: string[] = []
    const errors: string[] = []
    const io = { env: settings, out: (line: string) => lines.push(line), err: (line: string) => errors.push(line) }
    t.equal(await runEventsCommand(['list', '--status', 'superseded'], io), 0)
    t.match(lines.find((line) => line.includes('evt_shown_older')), /superseded\s+1\b.*customer\.subscription\.updated/)
    t.notMatch(lines.join('\n'), /evt_shown_newer/)
    lines.length = 0
    t.equal(await runEventsCommand(['stats'], io), 0)
    t.match(lines.join('\n'), /superseded\s+1/)

    lines.length = 0
    t.equal(await runEventsCommand(['replay', 'evt_shown_older'], io), 3, 'not replayed without --force')
    t.match(lines.join('\n'), /superseded by a newer event of the same object; add --force/)
    lines.length = 0
    t.equal(await runEventsCommand(['replay', 'evt_shown_older', '--force'], io), 0)
    t.match(lines.join('\n'), /Requeued 1 event/)
    await settle(app)
    t.same(readStates(stateFile).map((write) => write.eventId), ['evt_shown_newer'], 'the replayed event was checked again and still not run')
    t.same((await app.eventInbox.store?.attempts('evt_shown_older'))?.map((attempt) => attempt.outcome), ['superseded', 'superseded'])
    t.match(await app.eventInbox.store?.get('evt_shown_older'), { status: 'superseded' })

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    t.match(metrics, /stripe_webhook_deliveries_total\{type="customer\.subscription\.updated",outcome="superseded",reason=""\} 1/)
    t.match(metrics, /stripe_event_handler_duration_seconds_count\{type="customer\.subscription\.updated",outcome="superseded"\} 2/)
  })
}
