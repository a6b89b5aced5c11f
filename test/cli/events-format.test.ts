// The events commands' tables: what a person reads must stay one line per event.
import { test } from 'tap'
import { eventTable, truncate } from '../../src/cli/events-format.js'
import type { StoredEvent } from '../../src/store/event-store.js'

const failedEvent: StoredEvent = {
  id: 'evt_long_error',
  type: 'invoice.paid',
  account: 'acct_1Long',
  livemode: true,
  apiVersion: null,
  created: 1764244800,
  receivedAt: Date.parse('2026-11-30T12:00:00Z'),
  objectId: 'in_1',
  source: 'webhook',
  payload: Buffer.from('{}'),
  status: 'failed',
  attempts: 5,
  attemptsAtRequeue: 0,
  nextAttemptAt: 0,
  leaseOwner: null,
  leaseExpiresAt: null,
  handledAt: null,
  lastError: `Error: upstream refused\n${'    at frame (file.ts:1:1)\n'.repeat(20)}`
}

test('list cuts a long, multi-line last error to one short line', async (t) => {
  const [header, row] = eventTable([failedEvent], false)
  t.match(header, /LAST ERROR$/)
  t.match(row, /^2026-11-30T12:00:00\.000Z {2}failed {6}5 {2}live {2}acct_1Long {2}invoice\.paid {2}evt_long_error {2}Error: upstream refused at frame/)
  t.ok(row?.endsWith('…'), 'the cut is marked')
  t.equal(row?.split('\n').length, 1)
  t.equal(truncate('short', 60), 'short')
  t.equal(truncate('a'.repeat(61), 60).length, 60)
})
