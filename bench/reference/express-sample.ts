// Stripe's Express sample, as users copy it: express.raw on the route, constructEvent, a switch
// on the type. Its console.log lines are left out, as the router's info logs are in the benchmark.
//
// With REFERENCE_STORE=sqlite it is the sample with SQLite, the typical durable peer: a user's
// better-sqlite3 insert of the event per request (its own transaction, synced with synchronous =
// FULL, see reference-store.ts) before the switch and the 200.
import express from 'express'
import Stripe from 'stripe'
import { openReferenceStore } from './reference-store.js'

const stripe = new Stripe('sk_test_benchmark_only')
const endpointSecret = process.env.STRIPE_WEBHOOK_SECRET as string
const store = openReferenceStore(process.env.REFERENCE_STORE, process.env.DATA_DIR as string)
const app = express()

app.post('/webhook', express.raw({ type: 'application/json' }), (request, response) => {
  let event: Stripe.Event
  try {
    event = stripe.webhooks.constructEvent(request.body as Buffer, request.headers['stripe-signature'] ?? '', endpointSecret)
  } catch (error) {
    response.status(400).send(`Webhook Error: ${(error as Error).message}`)
    return
  }
  store?.commit([{ id: event.id, payload: request.body as Buffer }])
  switch (event.type) {
    case 'payment_intent.succeeded':
      break
    case 'payment_method.attached':
      break
    default:
  }
  response.json({ received: true })
})

app.listen(Number(process.env.PORT), '127.0.0.1')
