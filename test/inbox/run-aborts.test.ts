// A run's abort controller makes its AbortSignal only when read, yet behaves as AbortController's:
// the first reason wins, a signal read after the abort is already aborted, the run's race rejects.
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

test('whenAborted rejects with the reason, asked before or after the abort', async (t) => {
  const controller = new LazyAbortController()
  const before = controller.whenAborted()
  const timeout = new HandlerTimeoutError(50)
  controller.abort(timeout)
  await t.rejects(before, timeout)
  await t.rejects(controller.whenAborted(), timeout)
})
