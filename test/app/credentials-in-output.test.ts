// No credential in any output, ever: a password in DATABASE_URL, a Stripe API key and the webhook
// signing secrets are set, every failure path the process has is provoked through the real server,
// and neither stdout nor stderr holds any of them.
import { join } from 'node:path'
import { test } from 'tap'
import { buildThinEvent } from '../../src/samples/build-thin-event.js'
import { startFakeStripeApi } from '../helpers/stripe-api-fake.js'
import { handlerFolder, paymentIntentSucceeded, signPayload, temporaryDir } from '../helper.js'
import { freePort } from '../helpers/free-port.js'
import { exited, runServerUntilExit, startServer } from '../helpers/server-process.js'

const password = 'Pw-8c41e0f7d2a9'
const apiKey = 'sk_test_51CredentialCheck9a7e3b1c5d'
const webhookSecret = 'whsec_credential_check_4b9e2f7a1c'
const secrets = [password, encodeURIComponent(password), apiKey, webhookSecret, webhookSecret.slice(6)]
// Anything shaped like a credential, not only the values set here.
const credentialShapes = [/sk_(live|test)_[A-Za-z0-9]{6}/, /rk_(live|test)_[A-Za-z0-9]{6}/, /whsec_(?!local_development_only)[A-Za-z0-9]{4}/, /:\/\/[^:/@\s"]+:(?!\*\*\*@)[^@\s"]+@/]

test('no password, API key or signing secret reaches the output, whatever fails', async (t) => {
  const deadPort = await freePort()
  const url = (host: string, scheme = 'postgres'): string => `${scheme}://router:${encodeURIComponent(password)}@${host}/stripe_events`
  const base = { STRIPE_SECRET_KEY: apiKey, STRIPE_WEBHOOK_SECRET: webhookSecret }
  const failures: Array<[string, Record<string, string>]> = [
    ['a misspelt scheme', { DATABASE_URL: url('db:5432', 'postgress') }],
    ['METRICS_PORT equal to PORT', { DATABASE_URL: url('db'), EVENT_STORE: 'sqlite', PORT: '4398', METRICS_PORT: '4398' }],
    ['a malformed second signing secret', { STRIPE_WEBHOOK_SECRET: `${webhookSecret},whsec-${password}` }],
    ['a PORT in use', { DATABASE_URL: url('db'), EVENT_STORE: 'sqlite', PORT: String(deadPort), HOST: 'no-such-host.invalid' }],
    ['a missing HANDLERS_DIR', { DATABASE_URL: url('db'), EVENT_STORE: 'sqlite', HANDLERS_DIR: join(temporaryDir(t), 'nothing-here') }]
  ]
  let output = ''
  // Three at a time: nine start-ups at once on a small, shared machine outlast any sane deadline.
  const runs: Array<Awaited<ReturnType<typeof runServerUntilExit>>> = []
  for (let first = 0; first < failures.length; first += 3) {
    runs.push(...await Promise.all(failures.slice(first, first + 3).map(async ([, env]) =>
      await runServerUntilExit({ ...base, DATA_DIR: temporaryDir(t), ...env }, 40_000))))
  }
  failures.forEach(([name], index) => {
    const run = runs[index] as Awaited<ReturnType<typeof runServerUntilExit>>
    t.equal(run.code, 1, `${name}: start-up refused, exit 1`)
    t.ok(run.logs.some((line) => line.level === 60), `${name}: a fatal line says why`)
    output += run.output
  })

  // A PostgreSQL that cannot be reached is an outage to wait out, not a refused start-up: the service
  // starts unready and keeps opening the store, naming DATABASE_URL in every retry line.
  const outages: Array<[string, Record<string, string>]> = [
    ['a PostgreSQL that refuses connections', { DATABASE_URL: url(`127.0.0.1:${deadPort}`), DATABASE_CONNECT_TIMEOUT_MS: '1000' }],
    ['a wrong password (the shared PostgreSQL refuses the login)', { DATABASE_URL: url('127.0.0.1:5432'), DATABASE_CONNECT_TIMEOUT_MS: '2000' }],
    ['a database host that does not resolve', { DATABASE_URL: url('no-such-db.invalid:5432'), DATABASE_CONNECT_TIMEOUT_MS: '1000' }],
    ['EVENT_STORE=postgres with a host that does not resolve', { EVENT_STORE: 'postgres', DATABASE_URL: url('no-such-db.invalid'), DATABASE_CONNECT_TIMEOUT_MS: '1000' }]
  ]
  for (const [name, env] of outages) {
    const waiting = await startServer({ ...base, DATA_DIR: temporaryDir(t), ...env })
    t.teardown(() => waiting.child.kill('SIGKILL'))
    const deadline = Date.now() + 20_000
    while (!waiting.logs.some((line) => line.level === 40 && typeof line.cause === 'string') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const ready = await fetch(`${waiting.url}/readyz`)
    t.equal(ready.status, 503, `${name}: up but unready`)
    output += await ready.text()
    t.ok(waiting.logs.some((line) => line.level === 40 && String(line.database).includes(':***@')), `${name}: a retry line names DATABASE_URL, password hidden`)
    waiting.child.kill('SIGTERM')
    t.equal(await exited(waiting.child), 0, `${name}: SIGTERM while waiting exits 0`)
    output += waiting.logs.map((line) => JSON.stringify(line)).join('\n')
  }

  // A running server, then: forged and misrouted deliveries, a thin-event handler whose API call fails, a shutdown.
  const api = await startFakeStripeApi()
  t.teardown(() => api.close())
  const server = await startServer({
    ...base,
    DATABASE_URL: url('db'),
    EVENT_STORE: 'sqlite',
    DATA_DIR: temporaryDir(t),
    HANDLERS_DIR: handlerFolder('thin'),
    PROCESSING_MODE: 'inline',
    STRIPE_SECRET_KEY: 'sk_test_51WrongKeyForTheFakeApi0000',
    STRIPE_API_HOST: '127.0.0.1',
    STRIPE_API_PORT: String(api.port),
    STRIPE_API_PROTOCOL: 'http',
    // The reconciliation sweep fails on the key too, and logs it.
    RECONCILE_INTERVAL: '1s',
    LOG_LEVEL: 'trace'
  })
  t.teardown(() => server.child.kill('SIGKILL'))
  const thin = JSON.stringify(buildThinEvent('v1.billing.meter.no_meter_found'))
  const send = async (path: string, body: string, signature: string, method = 'POST'): Promise<number> => {
    const response = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: method === 'POST' ? body : undefined })
    await response.arrayBuffer()
    return response.status
  }
  const event = JSON.stringify(paymentIntentSucceeded('evt_credentials_check'))
  t.equal(await send('/webhook/thin', thin, signPayload(thin, { secret: webhookSecret })), 500, 'the thin handler fails on the API key')
  t.equal(await send('/webhook', event, signPayload(event, { secret: 'whsec_someone_elses_secret' })), 400, 'forged')
  t.equal(await send('/webhook', event, 'garbage'), 400, 'malformed header')
  t.equal(await send('/webhooks', event, signPayload(event, { secret: webhookSecret })), 404, 'misrouted')
  t.equal(await send('/webhook', event, '', 'GET'), 405, 'wrong method')
  t.equal(await send('/webhook', event, signPayload(event, { secret: webhookSecret })), 200, 'a good one')
  server.child.kill('SIGTERM')
  t.equal(await exited(server.child), 0)
  t.ok(server.logs.some((line) => String(line.msg).startsWith('The reconciliation sweep failed')), 'the sweep met the refused key')
  output += server.logs.map((line) => JSON.stringify(line)).join('\n')
  t.ok(output.includes('***'), 'redaction was exercised')

  for (const secret of secrets) t.notOk(output.includes(secret), `not in the output: a credential of ${secret.length} characters`)
  for (const shape of credentialShapes) t.notMatch(output, shape, `nothing shaped like ${shape.source}`)
  t.comment(`${failures.length} refused start-ups, ${outages.length} waits for PostgreSQL and one running server: ${output.length} bytes of output searched`)
})
