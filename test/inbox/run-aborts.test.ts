// A run's abort controller makes its AbortSignal only when read, yet behaves as AbortController's:
// the first reason wins, a signal read after the abort is already aborted, settleFirst rejects a run
// aborted before its handler ends.
import { test } from 'tap'
import { HandlerTimeoutError, LazyAbortController, LeaseLostError } from '../../src/inbox/run-aborts.js'

test('a signal read before the abort fires with the first reason; a second abort changes nothing', async (t) => {
  const controller = new LazyAbortController()
  const signal = controller.signal
  t.equal(signal.aborted, false)
  const fired = new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }))
  const timeout = new HandlerTimeoutError(1000)
  controller.abort(timeout)
  controller.abort(new LeaseLostError())
  t.equal(await fired, timeout)
  t.equal(controller.signal, signal, 'the same signal every read')
})

test('a signal first read after the abort is made aborted, with the reason', async (t) => {
  const controller = new LazyAbortController()
  const lost = new LeaseLostError()
  controller.abort(lost)
  t.equal(controller.signal.aborted, true)
  t.equal(controller.signal.reason, lost)
})

test('settleFirst rejects with the reason when the abort comes first, asked before or after it', async (t) => {
  const controller = new LazyAbortController()
  const neverEnds = new Promise<string>(() => {})
  const before = controller.settleFirst(neverEnds)
  const timeout = new HandlerTimeoutError(50)
  controller.abort(timeout)
  await t.rejects(before, timeout)
  // A run already aborted does not wait for its work, even one that would succeed.
  await t.rejects(controller.settleFirst(Promise.resolve('handled')), timeout)
})

test('settleFirst settles as the work does when it ends first, and a later abort changes nothing', async (t) => {
  const controller = new LazyAbortController()
  t.equal(await controller.settleFirst(Promise.resolve('handled')), 'handled')
  const failure = new Error('handler failed')
  await t.rejects(controller.settleFirst(Promise.reject(failure)), failure)
  const work = Promise.resolve('handled')
  const ended = controller.settleFirst(work)
  await work
  controller.abort(new LeaseLostError())
  t.equal(await ended, 'handled', 'work that ended before the abort was seen keeps its result')
})
