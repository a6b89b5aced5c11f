// A handler running through a PostgreSQL outage: its lease cannot be renewed while the database is
// stopped. The log says so once for the event, with the reason and no stack, and once more when
// renewals work again; the run's end is recorded after the outage and the event is handled once.
import { join } from 'node:path'
import { test } from 'tap'
import { buildApp, deliver, settle, temporaryDir } from '../helper.js'
import { sideEffectCounts } from '../helpers/side-effects.js'
import { effectEvent, sideEffectsHandlers, sleep } from '../helpers/runs-kit.js'
import { throwawayPostgres } from '../helpers/throwaway-postgres.js'

test('a lease that cannot be renewed during an outage: one line per event when it fails, one when it works again, no stack', async (t) => {
  const cluster = await throwawayPostgres(t)
  const effectsFile = join(temporaryDir(t), 'effects')
  const { app, logs } = await buildApp(t, {
    env: { DATABASE_URL: cluster.url, DATABASE_CONNECT_TIMEOUT_MS: '500', DATABASE_STATEMENT_TIMEOUT_MS: '2000', LEASE_SECONDS: '3', POLL_INTERVAL_MS: '100' },
    handlersDir: sideEffectsHandlers
  })
  const ids = ['evt_lease_outage_0', 'evt_lease_outage_1']
  // The handlers outlast the outage by seconds: a renewal must get an answer after the restart while
  // they still run. At 3.5 s, a slow restart on a loaded machine left none before the runs ended.
  const answers = await Promise.all(ids.map(async (id) => (await deliver(app, effectEvent(id, effectsFile, { delay_ms: '6000' }))).statusCode))
  t.same(answers, [200, 200], 'both stored')
  await sleep(300)
  await cluster.stop()
  // Several renewal rounds (one a second with a 3 s lease) fail while it is down.
  await sleep(2500)
  const outageEndedAt = Date.now()
  await cluster.start()
  await settle(app)
  const settledMs = Date.now() - outageEndedAt

  const renewLines = (pattern: RegExp, id: string): typeof logs => logs.filter((line) => line.eventId === id && pattern.test(line.msg))
  for (const id of ids) {
    const failing = renewLines(/^Could not renew an event lease/, id)
    t.equal(failing.length, 1, `${id}: one line when its renewals start failing`)
    t.match(failing[0], { level: 40, reason: /ECONNREFUSED|terminat|connect|shut/i }, 'with the reason')
    t.equal(failing[0]?.err, undefined, 'and no stack')
    t.equal(renewLines(/^The store answers lease renewals again/, id).length, 1, `${id}: one line when they work again`)
  }
  t.same(logs.filter((line) => line.level >= 40 && JSON.stringify(line).includes('    at ')), [], 'no stack at warn or above')
  const effects = sideEffectCounts(effectsFile)
  t.same(ids.map((id) => effects.get(id)), [1, 1], 'each event handled once, by the side-effects file')
  t.match(await app.eventInbox.store?.get(ids[0] as string), { status: 'handled' })
  t.comment(`sent ${ids.length}, 2xx ${answers.filter((status) => status === 200).length}, handled ${effects.size}, handled twice 0, lost 0; ` +
    `outage 2.5 s; ${logs.filter((line) => /renew/.test(line.msg)).length} lease-renewal lines in all; settled ${settledMs} ms after the database was back`)
})
