// promiseTry: a function's promise passed through as it is, another value resolved, a throw rejected.
import { test } from 'tap'
import { promiseTry } from '../src/promise-try.js'

test('a returned promise is passed through, not wrapped', async (t) => {
  const own = Promise.resolve('stored')
  t.equal(promiseTry(() => own), own)
  t.equal(await promiseTry(() => own), 'stored')
})

test('a plain value resolves, and a throw becomes a rejection instead of escaping', async (t) => {
  t.equal(await promiseTry(() => 42), 42)
  const failure = new Error('store not open yet')
  let escaped = false
  let result: Promise<never> | undefined
  try {
    result = promiseTry(() => { throw failure })
  } catch {
    escaped = true
  }
  t.equal(escaped, false, 'the throw does not escape the call')
  await t.rejects(result as Promise<never>, failure)
})
