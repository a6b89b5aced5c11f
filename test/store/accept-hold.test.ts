// The SQLite store's commits wait while the HTTP server accepts connections: the hold itself, then,
// through a real socket, many connections opened at once, each delivery answered 200 and stored once.
import { request, Agent } from 'node:http'
import type { AddressInfo } from 'node:net'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { test } from 'tap'
import { acceptHold } from '../../src/store/accept-hold.js'
import { buildApp, paymentIntentSucceeded, signPayload, temporaryDir } from '../helper.js'

test('holds once for each run of accepted connections, and forgets them once asked', async (t) => {
  const hold = acceptHold()
  t.equal(hold.holds(), false, 'nothing accepted: no hold')
  hold.noteAccepted()
  hold.noteAccepted()
  t.equal(hold.holds(), true, 'connections accepted since the last ask: hold')
  t.equal(hold.holds(), false, 'none since: the flush goes')
  t.equal(hold.maxHoldMs, 10, 'held 10 ms at most by default')
  t.equal(acceptHold(25).maxHoldMs, 25)
})

async function post (url: string, agent: Agent, id: string): Promise<number> {
  const payload = JSON.stringify(paymentIntentSucceeded(id))
  return await new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload) } }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode ?? 0))
    })
    outgoing.on('error', reject)
    outgoing.end(payload)
  })
}

test('60 connections opened at once, three deliveries each: every one answered 200 and stored once', async (t) => {
  const dataDir = temporaryDir(t)
  const { app } = await buildApp(t, { env: { DATA_DIR: dataDir } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}${app.config.WEBHOOK_PATH}`
  const connections = Array.from({ length: 60 }, () => new Agent({ keepAlive: true, maxSockets: 1 }))
  t.teardown(() => { for (const agent of connections) agent.destroy() })
  const ids: string[] = []
  const statuses = await Promise.all(connections.map(async (agent, connection) => {
    const answered: number[] = []
    for (let delivery = 0; delivery < 3; delivery++) {
      const id = `evt_accept_hold_${connection}_${delivery}`
      ids.push(id)
      answered.push(await post(url, agent, id))
    }
    return answered
  }))
  t.same(statuses.flat().filter((status) => status !== 200), [], 'every delivery answered 200')
  // Read from the file, apart from the service's own store object.
  const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true })
  t.teardown(() => db.close())
  const rows = db.prepare("SELECT id FROM stripe_events WHERE id LIKE 'evt_accept_hold_%'").all() as Array<{ id: string }>
  t.same(rows.map((row) => row.id).sort(), [...ids].sort(), 'each acknowledged event is in the file, once')
})
