// Log bytes per forged delivery and server CPU per forged 250 KB delivery, against the built server
// (npm run build first) as a real process: node bench/forged-deliveries.mjs [project root]. Not part of
// the benchmark suite; N and M set the number of small and large forged deliveries.
import { spawn } from 'node:child_process'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
const root = process.argv[2] ?? new URL('..', import.meta.url).pathname
const secret = 'whsec_measure_0123456789'
const dataDir = mkdtempSync(join(tmpdir(), 'forged-deliveries-'))
const child = spawn(process.execPath, ['dist/src/server.js'], { cwd: root, env: { ...process.env, NODE_ENV: 'production', STRIPE_WEBHOOK_SECRET: secret, HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'inherit'] })
let bytes = 0
let url
await new Promise((resolve) => child.stdout.on('data', (chunk) => {
  bytes += chunk.length
  const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(chunk))
  if (m && !url) { url = m[1]; resolve() }
}))
const cpu = () => { const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10 } // ms at 100 Hz
const forgedHeader = () => `t=${Math.floor(Date.now() / 1000)},v1=${'ab'.repeat(32)}`
async function flood (body, count, concurrency) {
  let sent = 0
  const statuses = {}
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (sent < count) {
      sent++
      const r = await fetch(`${url}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'stripe-signature': forgedHeader() } })
      await r.arrayBuffer()
      statuses[r.status] = (statuses[r.status] ?? 0) + 1
    }
  }))
  return statuses
}
const small = JSON.stringify({ id: 'evt_forged', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1' } } }, null, 2)
const big = JSON.stringify({ id: 'evt_forged_big', object: 'event', type: 'invoice.paid', data: { object: { id: 'in_1', lines: Array.from({ length: 1790 }, (_, i) => ({ id: `il_${i}`, amount: i, description: 'x'.repeat(40) })) } } }, null, 2)
await flood(small, 200, 4) // warm-up
await new Promise((resolve) => setTimeout(resolve, 300))
let before = bytes
const n = Number(process.env.N ?? 5000)
const started = Date.now()
const st = await flood(small, n, 8)
const elapsed = Date.now() - started
await new Promise((resolve) => setTimeout(resolve, 1500))
console.log(JSON.stringify({ forgedSmall: n, statuses: st, logBytes: bytes - before, logBytesPerRequest: +((bytes - before) / n).toFixed(1), reqPerSec: Math.round(n / elapsed * 1000) }))
// CPU per forged 250 KB request, and per 250 KB request with a valid signature (the check itself, plus storing)
const m = Number(process.env.M ?? 200)
await flood(big, 20, 2)
const c0 = cpu(); before = bytes
const bst = await flood(big, m, 2)
const c1 = cpu()
console.log(JSON.stringify({ bodyBytes: Buffer.byteLength(big), forgedBig: m, statuses: bst, cpuMsPerRequest: +((c1 - c0) / m).toFixed(2), logBytesPerRequest: +((bytes - before) / m).toFixed(1) }))
child.kill('SIGTERM')
await new Promise((resolve) => child.once('exit', resolve))
rmSync(dataDir, { recursive: true, force: true })
