// Load held at a fixed rate, as opposed to wrk's as-fast-as-answered: what the handling target
// needs, because an inbox that acknowledges faster than it handles only shows its backlog when the
// rate stays below its maximum for long enough. Deliveries are signed before the clock starts.
import { Agent, request } from 'node:http'
import Stripe from 'stripe'
import { benchSecret } from './wrk.js'

export interface PacedLoadResult {
  /** Requests sent, and the ids answered 2xx (acknowledged: stored, so the inbox owes their handling). */
  sent: number
  acknowledged: string[]
  failures: number
  /** Epoch milliseconds: when the first request went, when the last one went (the load's end), when the last answer came. */
  startedAt: number
  lastSentAt: number
  lastAnsweredAt: number
}

export interface PacedLoadOptions {
  url: string
  /** The body with @@EVENT_ID@@ where each delivery's id goes. */
  template: string
  /** Requests per second, held for `seconds`. */
  rate: number
  seconds: number
  /** Prefix of the ids, unique to the run. */
  idPrefix: string
  connections?: number
}

// Sends in ticks of 10 ms: as many as the rate owes by then, so that a late tick catches up and the
// average rate holds, while no burst goes beyond one tick's worth plus what a stall delayed.
const tickMs = 10

export async function runPacedLoad ({ url, template, rate, seconds, idPrefix, connections = 256 }: PacedLoadOptions): Promise<PacedLoadResult> {
  const [before, after] = template.split('@@EVENT_ID@@') as [string, string]
  const total = Math.round(rate * seconds)
  const deliveries = Array.from({ length: total }, (_, index) => {
    const id = `${idPrefix}_${index}`
    const body = `${before}${id}${after}`
    return { id, body, signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret: benchSecret }) }
  })
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const acknowledged: string[] = []
  let failures = 0
  let lastAnsweredAt = 0
  const answers: Array<Promise<void>> = []
  const send = (delivery: { id: string, body: string, signature: string }): Promise<void> => new Promise((resolve) => {
    const outgoing = request(`${url}/webhook`, {
      method: 'POST', agent, headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature }
    }, (response) => {
      response.resume()
      response.on('end', () => {
        lastAnsweredAt = Date.now()
        if (response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300) acknowledged.push(delivery.id)
        else failures++
        resolve()
      })
    })
    outgoing.on('error', () => { failures++; resolve() })
    outgoing.end(delivery.body)
  })
  const startedAt = Date.now()
  let next = 0
  let lastSentAt = startedAt
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const owed = Math.min(total, Math.floor((Date.now() - startedAt) / 1000 * rate))
      while (next < owed) answers.push(send(deliveries[next++] as typeof deliveries[number]))
      lastSentAt = Date.now()
      if (next >= total) {
        clearInterval(timer)
        resolve()
      }
    }, tickMs)
  })
  await Promise.all(answers)
  agent.destroy()
  return { sent: total, acknowledged, failures, startedAt, lastSentAt, lastAnsweredAt }
}

/** The acknowledged events not yet handled at one moment of a held load. */
export interface BacklogSample {
  /** Seconds since the load started. */
  atSeconds: number
  /** Acknowledged events sent by then (each id's index says when its request went, at the held rate). */
  sent: number
  /** Of those, the ones handled by then. */
  handled: number
}

/**
 * The backlog every `stepSeconds` from the load's start until the last acknowledged event was
 * handled: whether handling kept pace all along, or fell behind during the load and caught up after.
 * `handledAt` holds each handled id's time (epoch ms), as the handler recorded it; ids end in
 * `_<index>`, their place in the load.
 */
export function backlogTimeline (load: Pick<PacedLoadResult, 'acknowledged' | 'startedAt'>, rate: number, handledAt: ReadonlyMap<string, number>, stepSeconds = 5): BacklogSample[] {
  const sentAtSeconds = (id: string): number => Number(id.slice(id.lastIndexOf('_') + 1)) / rate
  const acknowledged = load.acknowledged.map((id) => ({ sent: sentAtSeconds(id), handled: handledAt.has(id) ? ((handledAt.get(id) as number) - load.startedAt) / 1000 : Number.POSITIVE_INFINITY }))
  const lastHandled = acknowledged.reduce((latest, event) => Number.isFinite(event.handled) ? Math.max(latest, event.handled) : latest, 0)
  const samples: BacklogSample[] = []
  for (let at = stepSeconds; at < lastHandled + stepSeconds; at += stepSeconds) {
    const sent = acknowledged.filter((event) => event.sent <= at)
    samples.push({ atSeconds: at, sent: sent.length, handled: sent.filter((event) => event.handled <= at).length })
  }
  return samples
}
