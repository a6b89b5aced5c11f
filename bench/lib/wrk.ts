// Load from wrk, pinned to core 0, replaying pre-signed deliveries (see signed-requests.lua): the
// client does no signing while it measures, and never competes with the server for a core.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Stripe from 'stripe'

const luaScript = fileURLToPath(new URL('../signed-requests.lua', import.meta.url))
export const benchSecret = 'whsec_bench_0123456789abcdef'
const workDir = mkdtempSync(join(tmpdir(), 'stripe-router-bench-'))
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }))

export interface SignedRequests {
  list: string
  template: string
  size: number
}

/** Writes one signed delivery per id; `template` holds the body with @@EVENT_ID@@ where the id goes. */
export function writeSignedRequests (template: string, ids: readonly string[], name = 'requests'): SignedRequests {
  const at = template.indexOf('@@EVENT_ID@@')
  const before = template.slice(0, at)
  const after = template.slice(at + '@@EVENT_ID@@'.length)
  const signatures = new Map<string, string>()
  const lines = ids.map((id) => {
    let signature = signatures.get(id)
    if (signature === undefined) {
      signature = Stripe.webhooks.generateTestHeaderString({ payload: `${before}${id}${after}`, secret: benchSecret })
      signatures.set(id, signature)
    }
    return `${id}\t${signature}`
  })
  const list = join(workDir, `${name}.tsv`)
  const templateFile = join(workDir, `${name}.json`)
  writeFileSync(list, lines.join('\n') + '\n')
  writeFileSync(templateFile, template)
  return { list, template: templateFile, size: ids.length }
}

export interface WrkResult {
  requests: number
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  failures: number
}

/** wrk's run; with `newConnectionEach`, every request says `Connection: close`, so each goes on a connection of its own. */
export async function runWrk (url: string, requests: SignedRequests, seconds: number, connections: number, newConnectionEach = false): Promise<WrkResult> {
  const wrk = spawn('taskset', ['-c', '0', 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency',
    '-s', luaScript, `${url}/webhook`, '--', requests.list, requests.template, '/webhook', ...(newConnectionEach ? ['close'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  wrk.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise((resolve) => wrk.once('exit', resolve))
  const line = output.split('\n').find((text) => text.startsWith('WRK_JSON '))
  if (code !== 0 || line === undefined) throw new Error(`wrk failed (${String(code)}): ${output}`)
  const result = JSON.parse(line.slice('WRK_JSON '.length)) as { requests: number, durationUs: number, non2xx: number, socketErrors: number, p50Us: number, p99Us: number }
  if (result.requests > requests.size) console.error(`warning: ${result.requests} requests but only ${requests.size} distinct deliveries`)
  return {
    requests: result.requests,
    requestsPerSecond: result.requests / (result.durationUs / 1e6),
    p50Ms: result.p50Us / 1000,
    p99Ms: result.p99Us / 1000,
    failures: result.non2xx + result.socketErrors
  }
}
