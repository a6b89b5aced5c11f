// The memory of runs that succeeded here after a newer claim had taken their event: a claim of such
// an event that committed before that success (two PostgreSQL batches at once) must not run it again.
// The race itself needs a database outage at the right millisecond; this checks the memory it relies on.
import { test } from 'tap'
import { LinkedSet } from '../../src/inbox/linked-set.js'
import { succeededHereLately, type AttemptContext } from '../../src/inbox/run-attempt.js'

function contextWith (leaseMs: number, entries: Array<{ eventId: string, at: number }>): AttemptContext {
  const succeededUnsettled = new LinkedSet<{ eventId: string, at: number }>()
  for (const entry of entries) succeededUnsettled.add(entry)
  // Only the two fields the function reads.
  return { leaseMs, succeededUnsettled } as unknown as AttemptContext
}

test('an event that succeeded here within the last lease is known; another is not', async (t) => {
  const context = contextWith(60_000, [{ eventId: 'evt_a', at: Date.now() - 1_000 }])
  t.equal(succeededHereLately(context, 'evt_a'), true)
  t.equal(succeededHereLately(context, 'evt_b'), false)
  t.equal(context.succeededUnsettled.size, 1, 'a recent entry is kept')
})

test('entries older than a lease are forgotten as the list is read', async (t) => {
  const now = Date.now()
  const context = contextWith(2_000, [{ eventId: 'evt_old', at: now - 5_000 }, { eventId: 'evt_new', at: now - 500 }])
  t.equal(succeededHereLately(context, 'evt_old'), false, 'past its lease: its claim may run it (its history now fences any newer claim)')
  t.same(context.succeededUnsettled.values().map((entry) => entry.eventId), ['evt_new'])
  t.equal(succeededHereLately(context, 'evt_new'), true)
})
