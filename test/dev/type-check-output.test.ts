// The watching type checker's output, made short: chatter dropped, each error one line, each verdict one line.
import { test } from 'tap'
import { shortTypeCheckLine } from '../../src/dev/type-check-output.js'

test('tsc --watch output becomes one line per error and per verdict, without its chatter', async (t) => {
  t.equal(shortTypeCheckLine('4:46:00 PM - Starting compilation in watch mode...'), null)
  t.equal(shortTypeCheckLine('4:46:01 PM - File change detected. Starting incremental compilation...'), null)
  t.equal(shortTypeCheckLine(''), null)
  t.equal(shortTypeCheckLine("handlers/invoice.paid.ts(7,32): error TS2339: Property 'idd' does not exist on type 'Invoice'."),
    "type error handlers/invoice.paid.ts:7:32 Property 'idd' does not exist on type 'Invoice'. (TS2339)")
  t.equal(shortTypeCheckLine('4:46:03 PM - Found 0 errors. Watching for file changes.'), 'types: no errors')
  t.equal(shortTypeCheckLine('4:46:03 PM - Found 1 error. Watching for file changes.'), 'types: 1 error')
  t.equal(shortTypeCheckLine('4:46:03 PM - Found 3 errors. Watching for file changes.'), 'types: 3 errors')
  t.equal(shortTypeCheckLine("  Type 'string' is not assignable to type 'number'."), "  Type 'string' is not assignable to type 'number'.", 'an elaboration is kept')
})
