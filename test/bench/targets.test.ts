// latest.json's verdicts: a target is judged on the median of its rounds, against its bound, in its direction.
import t from 'tap'
import { atLeast, atMost, notMeasured } from '../../bench/lib/targets.js'

t.test('a lower bound is met by the median of the rounds, not by its best round', async (t) => {
  t.match(atLeast([0.8, 0.95, 0.85], 0.9, 'ratio'), { measured: true, value: 0.85, min: 0.8, max: 0.95, target: '>= 0.9', met: false, samples: 3 })
  t.match(atLeast([0.9, 0.95, 0.85], 0.9, 'ratio'), { value: 0.9, met: true })
})

t.test('an upper bound is missed when the median exceeds it', async (t) => {
  t.match(atMost([3, 5, 6], 4, 'p99 over p50'), { value: 5, target: '<= 4', met: false })
  t.match(atMost([4], 4, 'p99 over p50'), { value: 4, met: true })
})

t.test('a target without any value is reported unmeasured with why, never as met', async (t) => {
  t.same(atLeast([], 0.9, 'ratio'), { measured: false, what: 'ratio', target: '>= 0.9', why: 'no round produced a value' })
  t.same(atMost([Number.NaN], 4, 'p99 over p50'), { measured: false, what: 'p99 over p50', target: '<= 4', why: 'no round produced a value' })
  t.same(notMeasured('heap', '<= 0.05', 'quick run'), { measured: false, what: 'heap', target: '<= 0.05', why: 'quick run' })
})
