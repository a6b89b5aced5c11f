import { test } from 'tap'
import { LinkedSet } from '../../src/inbox/linked-set.js'

test('values come out oldest first; an entry deletes its own value, once', async (t) => {
  const set = new LinkedSet<string>()
  const a = set.add('a')
  const b = set.add('b')
  const c = set.add('c')
  t.same(set.values(), ['a', 'b', 'c'])
  t.equal(set.size, 3)
  t.ok(set.delete(b), 'the middle one')
  t.notOk(set.delete(b), 'a second delete does nothing')
  t.notOk(set.has(b))
  t.same(set.values(), ['a', 'c'])
  t.equal(set.size, 2)
  t.ok(set.delete(a), 'the first one')
  t.ok(set.delete(c), 'the last one')
  t.same(set.values(), [])
  t.equal(set.size, 0)
  set.add('d')
  t.same(set.values(), ['d'], 'an emptied set takes values again')
})

test('a deleted entry keeps no reference to its value or its neighbours', async (t) => {
  const set = new LinkedSet<{ id: string }>()
  set.add({ id: 'before' })
  const middle = set.add({ id: 'middle' })
  set.add({ id: 'after' })
  set.delete(middle)
  t.equal(middle.value, undefined)
  t.same(Object.values(middle).filter((field) => typeof field === 'object' && field !== null), [], 'no object left on the entry')
})

test('findLast finds the newest match; entries() and values() are copies safe to delete through', async (t) => {
  const set = new LinkedSet<{ id: string, n: number }>()
  set.add({ id: 'x', n: 1 })
  set.add({ id: 'y', n: 2 })
  set.add({ id: 'x', n: 3 })
  t.equal(set.findLast((value) => value.id === 'x')?.n, 3)
  t.equal(set.findLast((value) => value.id === 'z'), undefined)
  for (const entry of set.entries()) set.delete(entry)
  t.equal(set.size, 0)
  t.same(set.values(), [])
})
