// What the SQLite fault tests share: signed deliveries and probes timed over a real socket, events
// whose handler counts its runs in a file of the test's own, and a wait for a condition.
import { handlerFolder, paymentIntentSucceeded, signPayload } from '../helper.js'
import { sideEffectCounts } from './side-effects.js'
import { startServer, type ServerProcess } from './server-process.js'

export interface Answer {
  /** The HTTP status, or 'no answer' when the connection failed. */
  status: number | 'no answer'
  /** From sending to the whole answer, in milliseconds. */
  ms: number
  body: string
}

async function timed (url: string, init?: RequestInit): Promise<Answer> {
  const started = performance.now()
  try {
    const response = await fetch(url, init)
    const body = await response.text()
    return { status: response.status, ms: performance.now() - started, body }
  } catch {
    return { status: 'no answer', ms: performance.now() - started, body: '' }
  }
}

/** GET `path` (e.g. /readyz), timed. */
export async function probe (url: string, path: string): Promise<Answer> {
  return await timed(`${url}${path}`)
}

/** Posts a payment_intent.succeeded signed as Stripe signs it, whose handler appends its id to `effectsFile`. */
export async function deliverCounted (url: string, id: string, effectsFile: string): Promise<Answer> {
  const payload = JSON.stringify(paymentIntentSucceeded(id, { effects_file: effectsFile }))
  return await timed(`${url}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload) },
    body: payload
  })
}

/** The server process on `dataDir` with the side-effects handler; leases short so a restart takes over quickly. */
export async function startSqliteServer (dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  return await startServer({ DATA_DIR: dataDir, HANDLERS_DIR: handlerFolder('side-effects'), LEASE_SECONDS: '1', POLL_INTERVAL_MS: '50', ...env })
}

/** Resolves once `condition` holds, checking every 50 ms; false if `timeoutMs` passes first. */
export async function waitFor (condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return true
}

/** Once every id in `acknowledged` has run at least once, or `timeoutMs` passes: runs per id, from the handler's own file. */
export async function awaitSideEffects (effectsFile: string, acknowledged: Iterable<string>, timeoutMs: number): Promise<Map<string, number>> {
  const ids = [...acknowledged]
  await waitFor(() => {
    const counts = sideEffectCounts(effectsFile)
    return ids.every((id) => counts.has(id))
  }, timeoutMs)
  return sideEffectCounts(effectsFile)
}

/** Answers tallied by status, e.g. `200×12 503×30`. */
export function tally (answers: Answer[]): string {
  const counts = new Map<string, number>()
  for (const { status } of answers) counts.set(String(status), (counts.get(String(status)) ?? 0) + 1)
  return [...counts].sort().map(([status, count]) => `${status}×${count}`).join(' ') || 'none'
}

export interface CountedDeliveries {
  /** Where deliveries go; a test that restarts the server points it at the new one. */
  url: string
  /** Ids that got a 200. */
  acknowledged: Set<string>
  /** How many were sent. */
  sent: number
  /** Sends the next event (`<prefix>_<n>`) and records a 200. */
  send: () => Promise<Answer>
}

/** A stream of fresh events to `url`, each counted by the handler in `effectsFile`. */
export function countedDeliveries (url: string, prefix: string, effectsFile: string): CountedDeliveries {
  const deliveries: CountedDeliveries = {
    url,
    acknowledged: new Set(),
    sent: 0,
    send: async () => {
      const id = `${prefix}_${deliveries.sent++}`
      const answer = await deliverCounted(deliveries.url, id, effectsFile)
      if (answer.status === 200) deliveries.acknowledged.add(id)
      return answer
    }
  }
  return deliveries
}
