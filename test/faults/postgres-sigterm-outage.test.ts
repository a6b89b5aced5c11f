// SIGTERM while the database is down: the stop cannot give the running events' leases back, and
// must not pretend otherwise nor fail for it. It logs that the events will be taken over when their
// leases expire and exits 0 after its grace; once the database is back, the next process takes the
// interrupted event over and handles it once.
import { join } from 'node:path'
import { test } from 'tap'
import { temporaryDir } from '../helper.js'
import { exited, post, startServer, type ServerProcess } from '../helpers/server-process.js'
import { sideEffectCounts } from '../helpers/side-effects.js'
import { effectEvent, sideEffectsHandlers, sleep, waitFor } from '../helpers/runs-kit.js'
import { throwawayPostgres } from '../helpers/throwaway-postgres.js'

test('SIGTERM during a PostgreSQL outage exits 0 after its grace, and the interrupted event is taken over once', async (t) => {
  const cluster = await throwawayPostgres(t)
  const effectsFile = join(temporaryDir(t), 'effects')
  const graceMs = 500
  const env = {
    DATABASE_URL: cluster.url,
    HANDLERS_DIR: sideEffectsHandlers,
    LEASE_SECONDS: '2',
    POLL_INTERVAL_MS: '100',
    SHUTDOWN_GRACE_MS: String(graceMs),
    DATABASE_CONNECT_TIMEOUT_MS: '1000',
    DATABASE_STATEMENT_TIMEOUT_MS: '2000'
  }
  const servers: ServerProcess[] = []
  t.teardown(() => { for (const { child } of servers) child.kill('SIGKILL') })
  const first = await startServer(env)
  servers.push(first)

  const answers = [
    await post(first.url, effectEvent('evt_sigterm_quick', effectsFile)),
    // Still running when the stop comes: its side effect would come 3 s after it started.
    await post(first.url, effectEvent('evt_sigterm_slow', effectsFile, { delay_ms: '3000' }))
  ]
  t.same(answers, [200, 200], 'both deliveries stored')
  await sleep(300)
  await cluster.stop()

  const stopAt = Date.now()
  first.child.kill('SIGTERM')
  const code = await exited(first.child)
  const stopMs = Date.now() - stopAt
  t.equal(code, 0, 'SIGTERM during the outage exits 0')
  t.ok(stopMs < graceMs + 6000, `after its grace and the wait for aborted runs, not the close-with-grace deadline (${stopMs} ms)`)
  const takenOver = first.logs.find((line) => /will be taken over when their leases expire/.test(String(line.msg)))
  t.match(takenOver, { level: 40, reason: /ECONNREFUSED|terminat|connect/i }, 'the log says the leases could not be given back and will expire, with the reason')
  t.notOk(first.logs.some((line) => JSON.stringify(line).includes('    at ')), 'no stack in any log line: an outage is a condition, not a bug')

  await cluster.start()
  const restartedAt = Date.now()
  servers.push(await startServer(env))
  const handled = await waitFor(() => sideEffectCounts(effectsFile).get('evt_sigterm_slow') === 1, 15_000)
  const takeoverMs = Date.now() - restartedAt
  t.ok(handled, 'the next process takes the interrupted event over once its lease expired, and handles it')
  await sleep(500)
  const effects = sideEffectCounts(effectsFile)
  t.same([effects.get('evt_sigterm_quick'), effects.get('evt_sigterm_slow')], [1, 1], 'each event handled once, by the side-effects file')
  t.comment(`sent 2, 2xx ${answers.filter((answer) => answer === 200).length}, handled ${effects.size}, handled twice ${[...effects.values()].filter((count) => count > 1).length}, lost ${2 - effects.size}; ` +
    `SIGTERM to exit ${stopMs} ms (grace ${graceMs} ms), exit code ${String(code)}; interrupted event handled ${takeoverMs} ms after the restart`)
  const last = servers[1] as ServerProcess
  last.child.kill('SIGTERM')
  t.equal(await exited(last.child), 0, 'and the next process stops cleanly')
})
