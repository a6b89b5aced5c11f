// What parsing a verified body costs, per 2.8 KB event, on the strings the route gets: a thousand
// distinct bodies, each made from a Buffer (as raw-body's), so no run sees a string it has seen.
// Compares JSON.parse alone, secure-json-parse as the route calls it, and a String.includes
// pre-check that would skip secure-json-parse's two regular expressions.
//
//   taskset -c 1 node --import tsx bench/parse-cost.ts [--rounds 5]
import { parseArgs } from 'node:util'
import secureJson from 'secure-json-parse'
import { templateOfSize } from './lib/event-template.js'
import { median } from './lib/stats.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } })
const template = templateOfSize()
const bodies = Array.from({ length: 1000 }, (_, index) => Buffer.from(template.replace('@@EVENT_ID@@', `evt_parse_${index}`)))
const passes = 50

const mayHidePoisonedKey = (text: string): boolean =>
  text.charCodeAt(0) === 0xfeff || text.includes('\\u') || text.includes('__proto__') || text.includes('constructor')

const ways: Array<[string, (text: string) => unknown]> = [
  ['Buffer to string only', (text) => text.length],
  ['JSON.parse', (text) => JSON.parse(text)],
  ['secure-json-parse (as the route)', (text) => secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' })],
  ['includes pre-check, then JSON.parse', (text) => mayHidePoisonedKey(text) ? null : JSON.parse(text)]
]

let kept = 0
/** Microseconds per body, string conversion included. */
function timeOnce (parse: (text: string) => unknown): number {
  const startedAt = process.hrtime.bigint()
  for (let pass = 0; pass < passes; pass++) {
    for (const body of bodies) if (parse(body.toString()) !== undefined) kept++
  }
  return Number(process.hrtime.bigint() - startedAt) / 1000 / (passes * bodies.length)
}

const times = new Map<string, number[]>(ways.map(([name]) => [name, []]))
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, parse] of ways) times.get(name)?.push(timeOnce(parse))
}
console.log(`µs per ${Buffer.byteLength(template)}-byte body, median (range) of ${values.rounds} interleaved rounds:`)
for (const [name, own] of times) {
  console.log(`  ${name.padEnd(38)} ${median(own).toFixed(2)} (${Math.min(...own).toFixed(2)}-${Math.max(...own).toFixed(2)})`)
}
if (kept === 0) console.log('(nothing parsed)')
