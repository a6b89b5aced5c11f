// Inline mode: the handler runs before the answer; a failure answers 500 and Stripe's retried
// delivery runs the handler again, because deduplication is on handled, not on received.
import { test } from 'tap'
import { buildApp, deliver, handlerFolder, paymentIntentSucceeded } from '../helper.js'
import { backendEnv, backends } from '../helpers/postgres.js'
import { handledEventIds } from '../fixtures/handler-folders/recording/payment_intent.succeeded.js'
import { completedEventIds, runsByEvent } from '../fixtures/handler-folders/flaky/payment_intent.succeeded.js'
import { completedEventIds as slowCompleted } from '../fixtures/handler-folders/slow/payment_intent.succeeded.js'

for (const backend of backends) {
  test(`${backend}: the handler has run when the 200 is sent`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    handledEventIds.length = 0
    const { app } = await buildApp(t, { env: { ...env, PROCESSING_MODE: 'inline' }, handlersDir: handlerFolder('recording') })
    t.equal((await deliver(app, paymentIntentSucceeded('evt_inline_1'))).statusCode, 200)
    t.same(handledEventIds, ['evt_inline_1'])
    t.match(await app.eventInbox.store?.get('evt_inline_1'), { status: 'handled', attempts: 1 })
  })

  test(`${backend}: a failure answers 500, the retried delivery runs again, and a handled one never does`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    runsByEvent.clear()
    completedEventIds.length = 0
    const { app } = await buildApp(t, { env: { ...env, PROCESSING_MODE: 'inline' }, handlersDir: handlerFolder('flaky') })
    const event = paymentIntentSucceeded('evt_inline_retry', { failures: '1' })

    const first = await deliver(app, event)
    t.equal(first.statusCode, 500)
    t.equal(first.json().code, 'HANDLER_FAILED')
    t.match(await app.eventInbox.store?.get(event.id), { status: 'failed', lastError: 'Error: planned failure 1 of 1' })

    t.equal((await deliver(app, event)).statusCode, 200, 'Stripe\'s retry succeeds')
    t.equal((await deliver(app, event)).statusCode, 200, 'a later duplicate is acknowledged')
    t.equal(runsByEvent.get(event.id), 2, 'the handler ran for the failure and the retry, not for the duplicate')
    t.same(completedEventIds, [event.id])
    t.same((await app.eventInbox.store?.attempts(event.id))?.map((attempt) => attempt.outcome), ['failed', 'handled'])
  })

  test(`${backend}: concurrent duplicates run the handler once; the others are told to retry or acknowledged`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    slowCompleted.length = 0
    const { app } = await buildApp(t, { env: { ...env, PROCESSING_MODE: 'inline' }, handlersDir: handlerFolder('slow') })
    const event = paymentIntentSucceeded('evt_inline_concurrent', { delay_ms: '100' })

    const responses = await Promise.all(Array.from({ length: 10 }, async () => await deliver(app, event)))

    const statuses = responses.map((response) => response.statusCode)
    t.equal(statuses.filter((status) => status === 200).length >= 1, true, 'the delivery that ran it got 200')
    t.same(statuses.filter((status) => status !== 200 && status !== 409), [], 'the others got 200 or 409')
    const inProgress = responses.find((response) => response.statusCode === 409)
    if (inProgress !== undefined) t.equal(inProgress.json().code, 'EVENT_IN_PROGRESS')
    t.same(slowCompleted, [event.id])
    t.equal((await deliver(app, event)).statusCode, 200, 'Stripe\'s retry of a 409 is acknowledged')
    t.same(slowCompleted, [event.id])
  })
}
