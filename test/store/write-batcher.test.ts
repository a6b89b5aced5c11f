// The write batcher on its own (no database: its flush is the test's): which writes share a batch,
// and how many batches are written at once.
import { setImmediate as nextTurn } from 'node:timers/promises'
import { test } from 'tap'
import { createWriteBatcher } from '../../src/store/write-batcher.js'

/** A flush that records each batch and holds it until released. */
function heldFlush (): { batches: number[][], inFlight: () => number, release: () => void, flush: (items: number[]) => Promise<number[]> } {
  const batches: number[][] = []
  let held: Array<() => void> = []
  let writing = 0
  return {
    batches,
    inFlight: () => writing,
    release: () => { const waiting = held; held = []; for (const done of waiting) done() },
    flush: async (items) => {
      batches.push(items)
      writing++
      await new Promise<void>((resolve) => held.push(resolve))
      writing--
      return items.map((item) => item * 10)
    }
  }
}

test('one batch in flight: writes arriving meanwhile wait and go together in the next', async (t) => {
  const held = heldFlush()
  const batcher = createWriteBatcher(held.flush, 500)
  const first = [1, 2].map(async (item) => await batcher.add(item))
  await nextTurn()
  const second = [3, 4].map(async (item) => await batcher.add(item))
  await nextTurn()
  t.same(held.batches, [[1, 2]], 'the second turn\'s writes wait')
  t.equal(held.inFlight(), 1)
  held.release()
  t.same(await Promise.all(first), [10, 20])
  await nextTurn()
  t.same(held.batches, [[1, 2], [3, 4]])
  held.release()
  t.same(await Promise.all(second), [30, 40], 'each write gets its own answer')
})

test('three batches in flight: a later turn\'s writes are flushed while earlier batches are written, and a fourth waits', async (t) => {
  const held = heldFlush()
  const batcher = createWriteBatcher(held.flush, 500, 3)
  const answers: Array<Promise<number>> = []
  for (const turn of [[1], [2], [3], [4, 5]]) {
    answers.push(...turn.map(async (item) => await batcher.add(item)))
    await nextTurn()
  }
  t.same(held.batches, [[1], [2], [3]], 'three batches written at once')
  t.equal(held.inFlight(), 3)
  held.release()
  await nextTurn()
  await nextTurn()
  t.same(held.batches, [[1], [2], [3], [4, 5]], 'the waiting writes go once a batch is done')
  held.release()
  t.same(await Promise.all(answers), [10, 20, 30, 40, 50])
})

test('a failed batch rejects its own writes only', async (t) => {
  let calls = 0
  const batcher = createWriteBatcher(async (items: number[]) => {
    calls++
    if (items.includes(1)) throw new Error('the transaction failed')
    return items
  }, 500, 2)
  const failed = t.rejects(batcher.add(1), /the transaction failed/)
  await nextTurn()
  const stored = batcher.add(2)
  await failed
  t.equal(await stored, 2)
  t.equal(calls, 2)
})

test('a held flush waits one turn per hold, and the writes of those turns join its batch', async (t) => {
  const held = heldFlush()
  let holdsLeft = 3
  let asked = 0
  const batcher = createWriteBatcher(held.flush, 500, 1, { holds: () => { asked++; return holdsLeft-- > 0 }, maxHoldMs: 10_000 })
  const answers = [batcher.add(1)]
  for (let turn = 0; turn < 3; turn++) {
    await nextTurn()
    t.same(held.batches, [], `still held after ${turn + 1} turns`)
    answers.push(batcher.add(turn + 2))
  }
  await nextTurn()
  t.same(held.batches, [[1, 2, 3, 4]], 'flushed in the first turn not held, with every write made meanwhile')
  t.equal(asked, 4, 'asked once per turn the flush was due')
  held.release()
  t.same(await Promise.all(answers), [10, 20, 30, 40])
})

test('a hold that never lets go puts a flush off for maxHoldMs, no longer', async (t) => {
  const held = heldFlush()
  const batcher = createWriteBatcher(held.flush, 500, 1, { holds: () => true, maxHoldMs: 30 })
  const addedAt = Date.now()
  const answer = batcher.add(1)
  while (held.batches.length === 0 && Date.now() - addedAt < 1_000) await nextTurn()
  const heldMs = Date.now() - addedAt
  t.same(held.batches, [[1]])
  t.ok(heldMs >= 30 && heldMs < 1_000, `flushed once the hold ran out (after ${heldMs} ms)`)
  held.release()
  t.equal(await answer, 10)
  // The next flush is held afresh, not flushed at once for a hold that ran out before it.
  const nextAnswer = batcher.add(2)
  await nextTurn()
  await nextTurn()
  t.same(held.batches, [[1]], 'the next flush is held again')
  while (held.batches.length === 1) await nextTurn()
  held.release()
  t.equal(await nextAnswer, 20)
})
