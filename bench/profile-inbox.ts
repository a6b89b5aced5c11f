// Where the SQLite inbox's time goes: the built router with EVENT_STORE=sqlite under the suite's load
// (wrk, pre-signed 2.8 KB deliveries, a new event id each) with node's --cpu-prof, then the functions
// with the most self time and the same summed by package.
//
//   npm run build && node --import tsx bench/profile-inbox.ts [--seconds 10] [--connections 50] [--top 25] [--store sqlite|none]
//     [--kind router|verify-floor]   (verify-floor: the suite's floor, for a side-by-side look at what the router adds)
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { projectRoot, startServer } from './lib/servers.js'
import { runWrk, writeSignedRequests } from './lib/wrk.js'
import { templateOfSize } from './lib/event-template.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    top: { type: 'string', default: '25' },
    // none profiles the router without storage: where it spends more than the floor.
    store: { type: 'string', default: 'sqlite' },
    kind: { type: 'string', default: 'router' }
  }
})
const seconds = Number(values.seconds)

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number } }
interface CpuProfile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

const template = templateOfSize()
const profileDir = mkdtempSync(join(tmpdir(), 'stripe-router-profile-'))
if (values.kind !== 'router' && values.kind !== 'verify-floor') throw new Error(`--kind is router or verify-floor, not ${values.kind}`)
const kind = values.kind
const server = await startServer({ kind, env: kind === 'router' ? { EVENT_STORE: values.store } : {}, nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir] })
const warmUp = writeSignedRequests(template, Array.from({ length: 20_000 }, (_, index) => `evt_profile_warm_${index}`), 'profile-warm-up')
await runWrk(server.url, warmUp, 2, Number(values.connections))
const requests = writeSignedRequests(template, Array.from({ length: 20_000 * seconds }, (_, index) => `evt_profile_${index}`), 'profile')
const result = await runWrk(server.url, requests, seconds, Number(values.connections))
// A graceful stop: node writes the profile on exit, which SIGKILL would prevent.
await server.stop(kind === 'router' ? 'SIGTERM' : 'SIGINT')

const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'))
if (file === undefined) throw new Error(`no profile was written in ${profileDir}`)
const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile
rmSync(profileDir, { recursive: true, force: true })

// Self time: each sample's time delta belongs to the node on top of the stack at that sample.
const selfMicros = new Map<number, number>()
profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)))
const byFunction = new Map<string, number>()
const byPackage = new Map<string, number>()
let total = 0
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id) ?? 0
  total += micros
  const { functionName, url, lineNumber } = node.callFrame
  const where = url.replace(/^file:\/\//, '').replace(projectRoot, '')
  const key = `${functionName === '' ? '(anonymous)' : functionName}  ${where === '' ? '' : `${where}:${lineNumber + 1}`}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros)
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1] ?? (where.startsWith('dist/') ? 'this router (dist/)' : where.startsWith('node:') ? 'node core (JS)' : functionName.startsWith('(') ? functionName : 'native / V8 builtins')
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros)
}
const top = (map: Map<string, number>, count: number): string[] => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)
  .map(([name, micros]) => `  ${(100 * micros / total).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`)
console.log([`${kind === 'router' ? `router, EVENT_STORE=${values.store}` : 'floor'}, under wrk, ${seconds} s: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.failures} failures; ` +
  `${(total / 1e6).toFixed(1)} s profiled in all (start-up and warm-up included)`,
'Self time by function:', ...top(byFunction, Number(values.top)), 'Self time by package:', ...top(byPackage, 15)].join('\n'))
