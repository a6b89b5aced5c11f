// The floor under any design that keeps what the issue names: fastify-raw-body capturing the bytes,
// stripe-node's verifyHeader over them, one JSON parse, and nothing else (no routing, no metrics,
// no logger, no guards). What the router costs beyond this is the router's own doing.
//
// With REFERENCE_STORE=sqlite it is the durable floor: the least any receiver that stores before
// answering must do. One insert of the event id and raw payload (reference-store.ts: WAL,
// synchronous = FULL); the inserts of one event-loop turn share one transaction, and each delivery is
// answered only after that commit returned. No handler, no leases: the router's inbox does more.
//
// With REFERENCE_SETTLE=1 as well it is the least durable inbox: the durable floor plus what any inbox
// that runs a handler once per event id must also do. After the answers, each newly stored event's
// handler (a no-op) runs in process, in the order stored, and its end is recorded durably by one
// UPDATE of its row, in the next turn's commit beside that turn's inserts (the router's ends share its
// inserts' commit too). Nothing else: no claim, lease, attempt history, retry or routing. GET
// /handler-runs answers { runs }, the handler runs so far, for the benchmark to check against the rows.
import Fastify from 'fastify'
import fastifyRawBody from 'fastify-raw-body'
import Stripe from 'stripe'
import { openReferenceStore } from './reference-store.js'

const endpointSecret = process.env.STRIPE_WEBHOOK_SECRET as string
const signature = Stripe.webhooks.signature as NonNullable<typeof Stripe.webhooks.signature>
const settling = process.env.REFERENCE_SETTLE === '1'
const store = openReferenceStore(process.env.REFERENCE_STORE, process.env.DATA_DIR as string, { settles: settling })
if (settling && store === null) throw new Error('REFERENCE_SETTLE=1 needs REFERENCE_STORE=sqlite')

interface ParsedEvent { id?: unknown, type?: unknown }
interface Pending { id: string, payload: Buffer, event: ParsedEvent, done: (error?: Error) => void }
let pending: Pending[] = []
// Ids whose handler ended since the last commit: recorded handled by the next one.
let ended: string[] = []
let commitScheduled = false
let handlerRuns = 0

// setImmediate runs after the poll phase: every request read in this turn is in the batch.
function scheduleCommit (): void {
  if (commitScheduled) return
  commitScheduled = true
  setImmediate(commitTurn)
}

function commitTurn (): void {
  commitScheduled = false
  const batch = pending
  const ends = ended
  pending = []
  ended = []
  let stored: boolean[]
  try {
    stored = store?.commit(batch, ends) ?? []
  } catch (error) {
    // An end not recorded is recorded with the next commit; the deliveries fail unstored.
    ended = ends.concat(ended)
    for (const row of batch) row.done(error as Error)
    return
  }
  for (const row of batch) row.done()
  if (!settling) return
  const fresh = batch.filter((_row, index) => stored[index] === true)
  // In the next turn, by when the answers above have been written: handlers run after the 200.
  if (fresh.length > 0) setImmediate(runHandlers, fresh)
}

// The handler: a no-op, so that what is measured is what running and settling cost, not its work.
async function handler (_event: ParsedEvent): Promise<void> {}

async function runHandlers (events: Pending[]): Promise<void> {
  for (const { id, event } of events) {
    await handler(event)
    handlerRuns++
    ended.push(id)
  }
  scheduleCommit()
}

/** Resolves once the event is committed, together with the rest of this event-loop turn's deliveries. */
async function stored (id: string, payload: Buffer, event: ParsedEvent): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    scheduleCommit()
    pending.push({ id, payload, event, done: (error) => { if (error === undefined) resolve(); else reject(error) } })
  })
}

const app = Fastify({ logger: false })
await app.register(fastifyRawBody, { field: 'rawBody', global: false, encoding: false, runFirst: true })
// The bytes are in rawBody: the parser only drains the stream, as the router's does.
app.removeContentTypeParser('application/json')
app.addContentTypeParser('application/json', (_request, payload, done) => {
  payload.resume()
  payload.on('end', () => done(null, undefined))
})

app.post('/webhook', { config: { rawBody: true } }, async (request, reply) => {
  const raw = request.rawBody as Buffer
  const text = raw.toString('utf8')
  try {
    signature.verifyHeader(text, String(request.headers['stripe-signature']), endpointSecret, 300)
  } catch (error) {
    return await reply.code(400).send({ error: (error as Error).message })
  }
  const event = JSON.parse(text) as ParsedEvent
  if (store !== null) await stored(String(event.id), raw, event)
  return { received: typeof event.type === 'string' }
})
if (settling) app.get('/handler-runs', async () => ({ runs: handlerRuns }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.once('SIGINT', () => { void app.close().then(() => process.exit(0)) })
