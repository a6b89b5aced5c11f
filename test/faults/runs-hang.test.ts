// Handlers that never settle: every run ends at HANDLER_TIMEOUT_MS, its slot is freed for other
// events, and the hung event ends failed after MAX_ATTEMPTS with the timeout as its error.
import { join } from 'node:path'
import { test } from 'tap'
import { buildApp, deliver, temporaryDir } from '../helper.js'
import { handledTwice } from '../helpers/side-effects.js'
import { allSettled, countAnswer, effectEvent, reportFigures, sideEffectsHandlers, waitFor } from '../helpers/runs-kit.js'

const timeoutError = 'HandlerTimeoutError: the handler ran past HANDLER_TIMEOUT_MS (400 ms)'

test('hung runs time out, free their slots for other events, and their events end failed after MAX_ATTEMPTS', async (t) => {
  const dataDir = temporaryDir(t)
  const effectsFile = join(dataDir, 'effects')
  const { app, logs } = await buildApp(t, {
    env: {
      DATA_DIR: dataDir,
      WORKER_CONCURRENCY: '2',
      HANDLER_TIMEOUT_MS: '400',
      MAX_ATTEMPTS: '3',
      RETRY_BASE_DELAY_MS: '50',
      RETRY_MAX_DELAY_MS: '100',
      POLL_INTERVAL_MS: '50'
    },
    handlersDir: sideEffectsHandlers
  })
  const store = app.eventInbox.store
  if (store === null) throw new Error('no store')
  // As many hung events as slots: without a timeout, nothing after them would ever run.
  const hung = ['evt_hang_0', 'evt_hang_1']
  const others = Array.from({ length: 10 }, (_, index) => `evt_after_hang_${index}`)
  const answers: Record<string, number> = {}
  const startedAt = Date.now()
  for (const id of hung) countAnswer(answers, (await deliver(app, effectEvent(id, effectsFile, { behaviour: 'hang' }))).statusCode)
  for (const id of others) countAnswer(answers, (await deliver(app, effectEvent(id, effectsFile))).statusCode)
  t.same(answers, { 200: 12 }, 'every delivery acknowledged')

  const ids = [...hung, ...others]
  t.ok(await waitFor(async () => await allSettled(store, ids), 15_000), 'every event ends settled')
  const settledMs = Date.now() - startedAt
  const effects = await reportFigures(t, store, ids, effectsFile, { sent: 12, acknowledged: answers[200] ?? 0, answers, recovery: `${settledMs} ms until all settled` })

  t.same(others.filter((id) => effects.get(id) !== 1), [], 'every other event handled exactly once, by its side effect')
  t.same(handledTwice(effects), [])
  for (const id of others) t.match(await store.get(id), { status: 'handled' })
  for (const id of hung) {
    t.match(await store.get(id), { status: 'failed', attempts: 3, lastError: timeoutError }, `${id} failed with the timeout`)
    const attempts = await store.attempts(id)
    t.same(attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.error]), [1, 2, 3].map((n) => [n, 'failed', timeoutError]), 'every run is in the history')
    t.ok(attempts.every((attempt) => attempt.finishedAt - attempt.startedAt >= 390), 'each run lasted its timeout')
    t.equal(effects.get(id), undefined, 'a hung run has no side effect')
    const lines = logs.filter((line) => line.eventId === id)
    t.equal(lines.filter((line) => line.msg.includes('over half of HANDLER_TIMEOUT_MS') && line.level === 40).length, 3, 'a warning at half the timeout, per run')
    t.equal(lines.filter((line) => line.msg.includes('will retry')).length, 2)
    t.equal(lines.filter((line) => line.msg.includes('marked failed') && line.level === 50).length, 1)
  }
  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  t.match(metrics.body, /stripe_event_run_faults_total\{type="payment_intent.succeeded",fault="timed_out"\} 6/)
  t.match(metrics.body, /stripe_event_run_faults_total\{type="payment_intent.succeeded",fault="slow"\} 6/)
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'slots freed by the timeout: ready')
})

test('inline: a run past HANDLER_TIMEOUT_MS answers 500 so that Stripe retries, and frees its slot', async (t) => {
  const { app } = await buildApp(t, {
    env: { PROCESSING_MODE: 'inline', HANDLER_TIMEOUT_MS: '300' },
    handlersDir: sideEffectsHandlers
  })
  const startedAt = Date.now()
  const response = await deliver(app, effectEvent('evt_inline_hang', '/dev/null', { behaviour: 'hang' }))
  const tookMs = Date.now() - startedAt
  t.equal(response.statusCode, 500)
  t.match(response.json(), { code: 'HANDLER_FAILED' })
  t.ok(tookMs >= 290 && tookMs < 5000, `answered after the timeout (${tookMs} ms)`)
  t.match(await app.eventInbox.store?.get('evt_inline_hang'), { status: 'failed', lastError: /HandlerTimeoutError/ })
  t.comment(`sent 1, 2xx 0, stored 1, handled 0, handled twice 0, lost 0, answers {"500":1} after ${tookMs} ms`)
})

test('a clean stop past its grace aborts a hung run and releases its event uncounted; the next start runs it', async (t) => {
  const dataDir = temporaryDir(t)
  const env = { DATA_DIR: dataDir, HANDLER_TIMEOUT_MS: '60000', MAX_ATTEMPTS: '1' }
  const first = await buildApp(t, { env, handlersDir: sideEffectsHandlers, shutdownGraceMs: 100 })
  t.equal((await deliver(first.app, effectEvent('evt_hung_at_stop', join(dataDir, 'effects'), { behaviour: 'hang' }))).statusCode, 200)
  const stoppingAt = Date.now()
  await first.app.close()
  t.ok(Date.now() - stoppingAt < 5000, 'the stop does not wait for the hung run past its grace')
  t.ok(first.logs.some((line) => line.msg.startsWith('Released 1 events')), 'the release is logged')

  // MAX_ATTEMPTS=1: had the interrupted run counted, the event could not run again.
  const second = await buildApp(t, { env: { ...env, HANDLER_TIMEOUT_MS: '200' }, handlersDir: sideEffectsHandlers })
  const store = second.app.eventInbox.store
  if (store === null) throw new Error('no store')
  t.ok(await waitFor(async () => (await store.get('evt_hung_at_stop'))?.status === 'failed', 5000), 'run again after the restart')
  t.match(await store.get('evt_hung_at_stop'), { attempts: 1, lastError: /HandlerTimeoutError/ }, 'the released run was not counted')
  t.equal((await store.attempts('evt_hung_at_stop')).length, 1, 'the history has the one run that ended')
})
