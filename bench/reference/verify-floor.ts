// The floor under any design that keeps what the issue names: fastify-raw-body capturing the bytes,
// stripe-node's verifyHeader over them, one JSON parse, and nothing else (no routing, no metrics,
// no logger, no guards). What the router costs beyond this is the router's own doing.
//
// With REFERENCE_STORE=sqlite it is the durable floor: the least any receiver that stores before
// answering must do. One insert of the event id and raw payload (reference-store.ts: WAL,
// synchronous = FULL); the inserts of one event-loop turn share one transaction, and each delivery is
// answered only after that commit returned. No handler, no leases: the router's inbox does more.
import Fastify from 'fastify'
import fastifyRawBody from 'fastify-raw-body'
import Stripe from 'stripe'
import { openReferenceStore } from './reference-store.js'

const endpointSecret = process.env.STRIPE_WEBHOOK_SECRET as string
const signature = Stripe.webhooks.signature as NonNullable<typeof Stripe.webhooks.signature>
const store = openReferenceStore(process.env.REFERENCE_STORE, process.env.DATA_DIR as string)

interface Pending { id: string, payload: Buffer, done: (error?: Error) => void }
let pending: Pending[] = []
function commitTurn (): void {
  const batch = pending
  pending = []
  try {
    store?.insertAll(batch)
  } catch (error) {
    for (const row of batch) row.done(error as Error)
    return
  }
  for (const row of batch) row.done()
}
/** Resolves once the event is committed, together with the rest of this event-loop turn's deliveries. */
async function stored (id: string, payload: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    // setImmediate runs after the poll phase: every request read in this turn is in the batch.
    if (pending.length === 0) setImmediate(commitTurn)
    pending.push({ id, payload, done: (error) => { if (error === undefined) resolve(); else reject(error) } })
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
  const event = JSON.parse(text) as { id?: unknown, type?: unknown }
  if (store !== null) await stored(String(event.id), raw)
  return { received: typeof event.type === 'string' }
})
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.once('SIGINT', () => { void app.close().then(() => process.exit(0)) })
