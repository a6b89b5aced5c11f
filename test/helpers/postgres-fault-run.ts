// One PostgreSQL fault, end to end: the real server on a throwaway cluster, signed deliveries at a
// steady rate and /readyz polled while the fault is injected and ended, then Stripe's retry of every
// delivery that got no 2xx, and the count: from the answers, the cluster's own rows and the
// side-effects file. The checks are the inbox's promise; the figures go to the test's comments.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { handlerFolder, paymentIntentSucceeded, signPayload, temporaryDir } from '../helper.js'
import { startServer, type ServerProcess } from './server-process.js'
import { handledTwice, sideEffectCounts } from './side-effects.js'
import { throwawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js'

interface FaultTest {
  teardown: (fn: () => unknown) => void
  comment: (message: string) => void
  ok: (value: unknown, message: string) => void
  equal: (found: unknown, wanted: unknown, message: string) => void
  same: (found: unknown, wanted: unknown, message: string) => void
}

export interface FaultScenario {
  /** The run's event ids start with it. */
  name: string
  /** The cluster is down when the service starts (and the fault ends by starting it). */
  downAtStart?: boolean
  /** Breaks the database and mends it; resolves when it is mended. */
  inject: (cluster: ThrowawayPostgres, server: ServerProcess) => Promise<void>
  /** Whether /readyz must have said 503 while the fault lasted (a cut that mends at once may never be seen). */
  unreadyDuringFault: boolean
}

type Answer = number | 'no answer'

interface Delivery { id: string, sentAt: number, answeredAt: number, status: Answer }
interface Probe { at: number, answeredAt: number, status: Answer, store: string }

// Trust authentication takes any password: this one must never reach a log line.
const password = 'pw-never-logged-7f3a'
const ratePerSecond = 50
const leadInMs = 1500
const tailMs = 2500

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

async function deliver (url: string, event: object): Promise<Answer> {
  const payload = JSON.stringify(event)
  try {
    const response = await fetch(`${url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload) },
      body: payload,
      // Stripe waits for an answer for a while, then counts the delivery failed.
      signal: AbortSignal.timeout(20_000)
    })
    await response.arrayBuffer()
    return response.status
  } catch {
    return 'no answer'
  }
}

async function probeReadiness (url: string): Promise<Probe> {
  const at = Date.now()
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) })
    const body = await response.json() as { store?: string }
    return { at, answeredAt: Date.now(), status: response.status, store: String(body.store) }
  } catch {
    return { at, answeredAt: Date.now(), status: 'no answer', store: '' }
  }
}

function tally (answers: Answer[]): string {
  const counts = new Map<Answer, number>()
  for (const answer of answers) counts.set(answer, (counts.get(answer) ?? 0) + 1)
  return [...counts].map(([answer, count]) => `${answer}×${count}`).join(', ')
}

async function storedEvents (url: string): Promise<{ ids: Set<string>, unsettled: number }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  client.on('error', () => {})
  await client.connect()
  try {
    const { rows } = await client.query<{ id: string, status: string }>('SELECT id, status FROM stripe_events')
    return { ids: new Set(rows.map((row) => row.id)), unsettled: rows.filter((row) => row.status === 'pending' || row.status === 'processing').length }
  } finally {
    await client.end()
  }
}

/**
 * Runs `scenario` and checks the promise on `t`: never an exit, never a 500, never a lie, nothing
 * lost or doubled. Returns the server (still running) and the cluster, for the scenario's own checks.
 */
export async function runPostgresFault (t: FaultTest, scenario: FaultScenario): Promise<{ server: ServerProcess, cluster: ThrowawayPostgres }> {
  const cluster = await throwawayPostgres(t, { started: scenario.downAtStart !== true })
  const databaseUrl = cluster.url.replace('postgres@', `postgres:${password}@`)
  const effectsFile = join(temporaryDir(t), 'effects.log')
  const server: ServerProcess = await startServer({
    DATABASE_URL: databaseUrl,
    HANDLERS_DIR: handlerFolder('side-effects'),
    LEASE_SECONDS: '2',
    POLL_INTERVAL_MS: '100',
    // Shorter than the defaults, so that a 5 s freeze runs into them; not so short that a busy
    // machine's ordinary connection set-up does.
    DATABASE_CONNECT_TIMEOUT_MS: '2000',
    DATABASE_STATEMENT_TIMEOUT_MS: '3000'
  })
  let exit: string | null = null
  server.child.once('exit', (code, signal) => { exit = `exit ${code ?? signal}` })
  t.teardown(() => server.child.kill('SIGKILL'))

  const deliveries: Delivery[] = []
  const probes: Probe[] = []
  const inFlight = new Set<Promise<void>>()
  let sending = true
  let sent = 0
  const sender = (async () => {
    const startedAt = Date.now()
    // eslint-disable-next-line no-unmodified-loop-condition -- the run clears it after its tail, while this loop awaits
    while (sending) {
      const index = sent++
      const id = `evt_${scenario.name}_${index}`
      const sentAt = Date.now()
      const work = deliver(server.url, paymentIntentSucceeded(id, { effects_file: effectsFile, delay_ms: '20' }))
        .then((status) => { deliveries.push({ id, sentAt, answeredAt: Date.now(), status }) })
      inFlight.add(work)
      void work.finally(() => inFlight.delete(work))
      await sleep(Math.max(0, startedAt + sent * (1000 / ratePerSecond) - Date.now()))
    }
  })()
  const prober = (async () => {
    // eslint-disable-next-line no-unmodified-loop-condition -- the run clears it after its tail, while this loop awaits
    while (sending) {
      probes.push(await probeReadiness(server.url))
      await sleep(200)
    }
  })()

  await sleep(leadInMs)
  const faultStartedAt = Date.now()
  await scenario.inject(cluster, server)
  const faultEndedAt = Date.now()
  await sleep(tailMs)
  sending = false
  await Promise.all([sender, prober, ...inFlight])

  // Recovery: the first delivery sent after the fault ended that was stored, and /readyz back at 200.
  const firstStored = deliveries.filter((d) => d.sentAt >= faultEndedAt && d.status === 200).sort((a, b) => a.answeredAt - b.answeredAt)[0]
  let lastProbe = await probeReadiness(server.url)
  while (lastProbe.status !== 200 && Date.now() - faultEndedAt < 20_000) {
    await sleep(100)
    lastProbe = await probeReadiness(server.url)
  }
  const readyAgain = [...probes, lastProbe].find((probe) => probe.at >= faultEndedAt && probe.status === 200)

  // Stripe retries every delivery that got no 2xx; by now each must be stored.
  const acknowledged = new Set(deliveries.filter((d) => d.status === 200).map((d) => d.id))
  const retries: Answer[] = []
  for (const { id, status } of deliveries) {
    if (status === 200) continue
    const retry = await deliver(server.url, paymentIntentSucceeded(id, { effects_file: effectsFile, delay_ms: '20' }))
    retries.push(retry)
    if (retry === 200) acknowledged.add(id)
  }

  let stored = await storedEvents(cluster.url)
  const settleDeadline = Date.now() + 20_000
  while (stored.unsettled > 0 && Date.now() < settleDeadline) {
    await sleep(200)
    stored = await storedEvents(cluster.url)
  }

  const effects = sideEffectCounts(effectsFile)
  const lost = [...acknowledged].filter((id) => !stored.ids.has(id) || (effects.get(id) ?? 0) === 0)
  const twice = handledTwice(effects)
  const answers = deliveries.map((d) => d.status)
  // Refusal lines are rate-limited per code (20 per 10 s window, the rest summed up in a `suppressed`
  // line when the window ends), so an outage at full delivery rate costs a bounded number of lines.
  const refusals = server.logs.filter((line) => line.code === 'STORE_UNAVAILABLE' && line.suppressed === undefined)
  const summarised = server.logs.filter((line) => line.code === 'STORE_UNAVAILABLE' && typeof line.suppressed === 'number')
    .reduce((sum, line) => sum + (line.suppressed as number), 0)
  // Breaking the database takes a moment (a stop, a scan of its processes): a probe in the first
  // quarter second may still see it whole, and one answered after the fault ended may see it mended.
  const during = probes.filter((probe) => probe.at >= faultStartedAt + 250 && probe.answeredAt <= faultEndedAt)
  const claimFailures = server.logs.filter((line) => /Could not claim events/.test(String(line.msg))).length

  t.comment(`${scenario.name}: fault lasted ${faultEndedAt - faultStartedAt} ms; sent ${sent}, 2xx ${answers.filter((a) => a === 200).length}, ` +
    `answers seen: ${tally(answers)}; retries of the rest: ${tally(retries)}`)
  t.comment(`${scenario.name}: stored ${stored.ids.size}, acknowledged ${acknowledged.size}, handled ${effects.size}, handled twice ${twice.length}` +
    `${twice.length === 0 ? '' : ` (${twice.join(' ')})`}, lost ${lost.length}`)
  t.comment(`${scenario.name}: /readyz during the fault: ${tally(during.map((p) => p.status))} (${[...new Set(during.map((p) => p.store))].join(' | ')}); ` +
    `recovery: first stored delivery ${firstStored === undefined ? 'none' : `${firstStored.answeredAt - faultEndedAt} ms`}, ` +
    `/readyz 200 ${readyAgain === undefined ? 'never' : `${readyAgain.at - faultEndedAt} ms`} after the fault ended; ` +
    `${refusals.length} refusal log lines, ${claimFailures} claim-failure lines`)

  if (process.env.FAULT_LOG_DIR !== undefined) writeFileSync(join(process.env.FAULT_LOG_DIR, `${scenario.name}.log`), server.logs.map((line) => JSON.stringify(line)).join('\n'))
  t.equal(exit, null, 'the process never exits')
  t.same(answers.filter((a) => a !== 200 && a !== 503), [], 'every delivery is answered, 200 or 503: never a 500, never unanswered')
  t.same(retries.filter((a) => a !== 200), [], 'after recovery, Stripe\'s retry of each refused delivery is stored')
  t.equal(stored.unsettled, 0, 'every stored event settles')
  t.same(lost, [], 'no acknowledged event is lost: each is stored and its side effect happened')
  // Lease tokens fence every claim and a run's known end is retried until the store takes it, its
  // lease kept: a handler cut between its side effect and the commit of its end still runs once.
  t.same(twice, [], 'no event is handled twice, by the side-effects file')
  const refused = answers.filter((a) => a === 503).length + retries.filter((a) => a === 503).length
  t.ok(refusals.length >= Math.min(refused, 20), `the first refusals of an outage are logged one line each (${refusals.length} lines for ${refused} refused)`)
  t.ok(refusals.length + summarised <= refused, `no refusal is logged twice (${refusals.length} lines, ${summarised} summed up so far, ${refused} refused)`)
  t.same(refusals.filter((line) => typeof line.eventId !== 'string'), [], 'each refusal line names its event')
  t.same(refusals.filter((line) => line.err !== undefined || line.stack !== undefined), [], 'refusals are logged without a stack')
  t.ok(claimFailures <= 3, `the worker logs claim failures once per outage, not per poll (${claimFailures})`)
  t.same(server.logs.filter((line) => JSON.stringify(line).includes(password)), [], 'the database password never reaches the log')
  // Quiet and truthful during the outage: the store being down is a condition, logged with its
  // reason and no stack, once per event per condition (a lease it cannot renew, an end it cannot record).
  t.same(server.logs.filter((line) => (line.err as { code?: unknown } | undefined)?.code === 'STORE_UNAVAILABLE'), [], 'no stack for the store being down')
  const perEvent = new Map<string, number>()
  for (const line of server.logs) {
    if (line.eventId === undefined || !/^Could not (renew|record)/.test(String(line.msg))) continue
    const key = `${String(line.eventId)}: ${String(line.msg)}`
    perEvent.set(key, (perEvent.get(key) ?? 0) + 1)
  }
  const noisiest = Math.max(0, ...perEvent.values())
  t.ok(noisiest <= 2, `at most one line per event per condition and cut (${noisiest})`)
  if (scenario.unreadyDuringFault) t.ok(during.some((probe) => probe.status === 503), '/readyz says 503 during the fault')
  t.ok(during.every((probe) => probe.status === 200 || probe.status === 503), '/readyz answers during the fault')
  const slowest = Math.max(0, ...probes.map((probe) => probe.answeredAt - probe.at))
  t.ok(slowest < 2500, `/readyz always answers within ~2 s (slowest ${slowest} ms)`)
  t.equal(lastProbe.status, 200, '/readyz says 200 after recovery')
  return { server, cluster }
}
