// The targets as a script reads them in bench/results/latest.json: each by name, with the
// median of the rounds, its range, the bound and whether it is met, or `measured: false` and why.
import { median } from './stats.js'

export type TargetName = 'routerToFloor' | 'inboxToDurableFloor' | 'inboxToExpressSqlite' | 'postgresToSqlite' |
  'inboxP99ToP50' | 'handledWithin2s' | 'heapGrowth' | 'rssPlateauGrowth'

export type TargetResult =
  | { measured: true, what: string, value: number, min: number, max: number, target: string, met: boolean, samples: number }
  | { measured: false, what: string, target: string, why: string }

function judged (values: readonly number[], bound: number, what: string, sign: '>=' | '<='): TargetResult {
  const value = median(values)
  if (values.length === 0 || !Number.isFinite(value)) return notMeasured(what, `${sign} ${bound}`, 'no round produced a value')
  return {
    measured: true,
    what,
    value,
    min: Math.min(...values),
    max: Math.max(...values),
    target: `${sign} ${bound}`,
    met: sign === '>=' ? value >= bound : value <= bound,
    samples: values.length
  }
}

/** A target met when the median of `values` (one per round; ratios or fractions) is at least `bound`. */
export function atLeast (values: readonly number[], bound: number, what: string): TargetResult {
  return judged(values, bound, what, '>=')
}

/** A target met when the median of `values` is at most `bound`. */
export function atMost (values: readonly number[], bound: number, what: string): TargetResult {
  return judged(values, bound, what, '<=')
}

/** A target this run could not measure; `why` says what it lacked. */
export function notMeasured (what: string, target: string, why: string): TargetResult {
  return { measured: false, what, target, why }
}
