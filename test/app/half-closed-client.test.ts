// A client that closes its sending side right after its request still gets its answer, on both
// stores: the answer waits for a commit, a turn of the event loop or more after the request is read.
import type { AddressInfo } from 'node:net'
import { test } from 'tap'
import { buildApp, paymentIntentSucceeded, signPayload } from '../helper.js'
import { backendEnv, backends } from '../helpers/postgres.js'
import { sendRaw } from '../helpers/raw-http.js'

for (const backend of backends) {
  test(`${backend}: a delivery whose client half-closes after sending is answered 200 and stored`, async (t) => {
    const env = await backendEnv(t, backend)
    if (env === null) return
    const { app } = await buildApp(t, { env })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = (app.server.address() as AddressInfo).port
    const payload = JSON.stringify(paymentIntentSucceeded(`evt_half_closed_${backend}`))
    const request = [`POST ${app.config.WEBHOOK_PATH} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: application/json',
      `Stripe-Signature: ${signPayload(payload)}`, `Content-Length: ${Buffer.byteLength(payload)}`, '', payload].join('\r\n')
    t.equal((await sendRaw(port, request)).status, 200, 'answered before the server closed the connection')
    t.ok(await app.eventInbox.store?.get(`evt_half_closed_${backend}`), 'the event is stored')
  })
}
