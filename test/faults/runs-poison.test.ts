// A poison event whose handler's own timer throws: the real server crashes on it, and is restarted
// after each crash as an orchestrator would. Each crash counts as a run, so after MAX_ATTEMPTS the
// event is failed with the poison error and the server stays up; events delivered meanwhile are
// handled exactly once, by the handler's own side-effects file.
import { test } from 'tap'
import { join } from 'node:path'
import { temporaryDir } from '../helper.js'
import { exited, post, startServer, type ServerProcess } from '../helpers/server-process.js'
import { allSettled, countAnswer, effectEvent, reportFigures, sideEffectsHandlers, sleep, storeOf, waitFor } from '../helpers/runs-kit.js'
import { handledTwice, sideEffectCounts } from '../helpers/side-effects.js'

const maxAttempts = 3

test('a poison event crashes the server at most MAX_ATTEMPTS times, then ends failed with its error', async (t) => {
  const dataDir = temporaryDir(t)
  const effectsFile = join(dataDir, 'effects')
  const env = {
    DATA_DIR: dataDir,
    HANDLERS_DIR: sideEffectsHandlers,
    MAX_ATTEMPTS: String(maxAttempts),
    RETRY_BASE_DELAY_MS: '100',
    RETRY_MAX_DELAY_MS: '200',
    POLL_INTERVAL_MS: '50',
    SHUTDOWN_GRACE_MS: '3000'
  }
  const children: ServerProcess[] = []
  t.teardown(() => { for (const { child } of children) child.kill('SIGKILL') })
  const start = async (): Promise<ServerProcess> => {
    const server = await startServer(env)
    children.push(server)
    return server
  }

  const poison = effectEvent('evt_poison', effectsFile, { behaviour: 'timer_throw' })
  const others = Array.from({ length: 24 }, (_, index) => effectEvent(`evt_beside_poison_${index}`, effectsFile, { delay_ms: '200' }))
  const answers: Record<string, number> = {}
  const acknowledged = new Set<string>()
  let sent = 0
  let crashes = 0
  let next = 0
  let server = await start()
  const startedAt = Date.now()
  countAnswer(answers, await post(server.url, poison))
  sent++
  // Deliveries keep coming while the server crashes and comes back; what got no 2xx is redelivered.
  while (crashes <= maxAttempts) {
    const batch = others.slice(next, next + 6)
    next += batch.length
    const unanswered = others.slice(0, next).filter((event) => !acknowledged.has(event.id))
    await Promise.all(unanswered.map(async (event) => {
      const status = await post(server.url, event)
      sent++
      countAnswer(answers, status)
      if (status === 200) acknowledged.add(event.id)
    }))
    const exitCode = await Promise.race([exited(server.child), sleep(3000).then(() => 'up' as const)])
    if (exitCode === 'up') break
    crashes++
    t.equal(exitCode, 1, `crash ${crashes} exits 1`)
    const crashLog = server.logs.find((line) => String(line.msg).includes('threw outside its promise'))
    t.equal(crashLog?.eventId, 'evt_poison', `crash ${crashes}: the uncaught error is logged with the poison event's id`)
    server = await start()
  }
  const recoveryMs = Date.now() - startedAt
  // The rest, delivered to the server that stayed up.
  for (const event of others) {
    if (acknowledged.has(event.id)) continue
    const status = await post(server.url, event)
    sent++
    countAnswer(answers, status)
    if (status === 200) acknowledged.add(event.id)
  }

  const store = await storeOf(t, { dataDir })
  const ids = [poison.id, ...others.map((event) => event.id)]
  t.ok(await waitFor(async () => await allSettled(store, ids), 15_000), 'every event ends settled')
  t.equal(crashes, maxAttempts, 'the server crashed exactly MAX_ATTEMPTS times')
  t.equal(server.child.exitCode, null, 'the server stays up once the poison event is failed')
  t.match(await store.get(poison.id), { status: 'failed', attempts: maxAttempts, lastError: 'Error: poison event evt_poison' })
  const attempts = await store.attempts(poison.id)
  t.same(attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.error]),
    [1, 2, 3].map((n) => [n, 'failed', 'Error: poison event evt_poison']), 'each crash is a failed run in the history, with the poison error')

  const effects = await reportFigures(t, store, ids, effectsFile, {
    sent, acknowledged: answers[200] ?? 0, answers, recovery: `${crashes} crashes, up for good after ${recoveryMs} ms`
  })
  t.equal(acknowledged.size, others.length, 'every other event acknowledged in the end')
  const otherIds = others.map((event) => event.id)
  t.same(otherIds.filter((id) => effects.get(id) !== 1), [], 'every other event handled exactly once, by its side effect')
  t.same(handledTwice(effects).filter((id) => id !== poison.id), [])
  for (const id of otherIds) t.match(await store.get(id), { status: 'handled' })
  t.comment(`the poison handler's own side effect ran ${effects.get(poison.id) ?? 0} times`)

  await sleep(1000)
  t.equal(server.child.exitCode, null, 'still up a second later')
  server.child.kill('SIGTERM')
  t.equal(await exited(server.child), 0, 'SIGTERM exits cleanly')
})

test('a crash on a poison event charges the runs it cut short, not the events waiting in memory for a slot', async (t) => {
  const dataDir = temporaryDir(t)
  const effectsFile = join(dataDir, 'effects')
  const server = await startServer({
    DATA_DIR: dataDir, HANDLERS_DIR: sideEffectsHandlers, WORKER_CONCURRENCY: '2', POLL_INTERVAL_MS: '60000', SHUTDOWN_GRACE_MS: '500'
  })
  t.teardown(() => server.child.kill('SIGKILL'))
  // Both slots held: one run that never ends, one that throws from its timer a second in. The slot the
  // poison run frees may start one waiting event before the stop; that run is cut short too.
  const hung = effectEvent('evt_crash_hung', effectsFile, { behaviour: 'hang' })
  const poison = effectEvent('evt_crash_poison', effectsFile, { behaviour: 'timer_throw', delay_ms: '1000' })
  const waiting = Array.from({ length: 4 }, (_, index) => effectEvent(`evt_crash_waiting_${index}`, effectsFile, { delay_ms: '10000' }))
  for (const event of [hung, poison, ...waiting]) t.equal(await post(server.url, event), 200, `${event.id} acknowledged`)
  t.equal(await exited(server.child), 1, 'the uncaught error stops the server')

  const store = await storeOf(t, { dataDir })
  t.match(await store.get(poison.id), { status: 'pending', attempts: 1, lastError: `Error: poison event ${poison.id}` }, 'the poison run is a failed attempt')
  t.match(await store.get(hung.id), { status: 'pending', attempts: 1 }, 'the run it cut short is a failed attempt')
  let neverRan = 0
  for (const event of waiting) {
    const stored = await store.get(event.id)
    const runs = (await store.attempts(event.id)).length
    t.match(stored, { status: 'pending', leaseOwner: null }, `${event.id} is pending again`)
    t.equal(stored?.attempts, runs, `${event.id}: ${runs} attempts counted, as many as its runs`)
    if (runs === 0) neverRan++
  }
  t.ok(neverRan >= 3, `events that waited in memory through the stop were given back uncounted (${neverRan})`)
  t.same([...sideEffectCounts(effectsFile).keys()], [], 'no waiting event finished')
})
