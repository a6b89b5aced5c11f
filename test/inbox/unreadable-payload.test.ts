// A claimed event whose stored payload no longer parses (damaged on disk, or edited by hand): its
// attempt is recorded failed with the reason and no run, and the other events of the same claim run
// at once, instead of waiting out their leases behind it. Side effects are counted by the handler's
// own file; the store is real SQLite, damaged by a second connection.
import { join } from 'node:path'
import { test } from 'tap'
import { buildApp, messages, temporaryDir } from '../helper.js'
import { sideEffectCounts } from '../helpers/side-effects.js'
import { allSettled, effectEvent, sideEffectsHandlers, storeOf, waitFor } from '../helpers/runs-kit.js'
import { openSqliteClient } from '../../src/store/sqlite-client.js'
import { toNewEvent } from '../../src/inbox/new-event.js'
import type { RoutedEvent } from '../../src/delivery/routed-event.js'

test('an unparsable stored payload fails its event without a run; the rest of its claim runs at once', async (t) => {
  const dataDir = temporaryDir(t)
  const effectsFile = join(dataDir, 'effects')
  // The schema, made by a first start.
  const first = await buildApp(t, { env: { DATA_DIR: dataDir }, handlersDir: sideEffectsHandlers })
  await first.app.close()

  const after = Array.from({ length: 6 }, (_, index) => `evt_unreadable_after_${index}`)
  const ids = ['evt_unreadable_before', 'evt_unreadable_broken', ...after]
  const store = await storeOf(t, { dataDir })
  for (const id of ids) {
    const event = effectEvent(id, effectsFile)
    t.equal(await store.insert(toNewEvent(event as unknown as RoutedEvent, Buffer.from(JSON.stringify(event))), { status: 'pending' }), true, `${id} stored pending`)
  }
  const damage = openSqliteClient(join(dataDir, 'events.sqlite'))
  t.teardown(() => damage.close())
  await damage.query({ sql: 'UPDATE stripe_event_payloads SET payload = $1 WHERE event_id = $2', params: [Buffer.from('{"id": "evt_unreadable_broken", "type": "payment_in'), 'evt_unreadable_broken'] })

  // Leases of a minute: the events behind the broken one must not wait for theirs to run out. Two
  // slots: the broken event shares a claim with one before it, and a slot it leaked would show.
  const started = Date.now()
  const { app, logs } = await buildApp(t, { env: { DATA_DIR: dataDir, WORKER_CONCURRENCY: '2', LEASE_SECONDS: '60', POLL_INTERVAL_MS: '50' }, handlersDir: sideEffectsHandlers })
  const appStore = app.eventInbox.store
  if (appStore === null) throw new Error('no store')
  t.ok(await waitFor(async () => await allSettled(appStore, ids), 10_000), 'all settle within 10 s, far inside a lease')
  t.comment(`settled ${Date.now() - started} ms after the start`)

  const effects = sideEffectCounts(effectsFile)
  t.same(ids.map((id) => effects.get(id) ?? 0), [1, 0, ...after.map(() => 1)], 'the readable ones ran once; the broken one never ran')
  for (const id of ['evt_unreadable_before', ...after]) t.match(await appStore.get(id), { status: 'handled', attempts: 1 }, `${id} handled at its first attempt`)
  const broken = await appStore.get('evt_unreadable_broken')
  t.match(broken, { status: 'failed', attempts: 1, lastError: /UnreadablePayloadError: the stored payload of evt_unreadable_broken does not parse as JSON/ },
    'the broken one is failed at its first attempt, not retried, with the reason')
  t.same((await appStore.attempts('evt_unreadable_broken')).map((attempt) => attempt.outcome), ['failed'], 'one failed attempt in its history')
  t.ok(messages(logs).some((message) => message === 'The stored payload of evt_unreadable_broken does not parse; the event is marked failed without running its handler'),
    'an error line names the event and says why')
  t.notOk(messages(logs).some((message) => message.startsWith('Could not claim events')), 'no claim failed over it')
})
