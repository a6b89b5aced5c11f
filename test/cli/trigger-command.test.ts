// The offline trigger, against the service listening on a real port: every v1 type, duplicates,
// stale signatures, and the mistakes a developer makes calling it.
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { test } from 'tap'
import Stripe from 'stripe'
import { runTriggerCommand } from '../../src/cli/trigger-command.js'
import { stripeEventTypes, stripeThinEventTypes } from '../../src/stripe-event-types.js'
import { LOCAL_DEVELOPMENT_SECRET } from '../../config/settings.js'
import { buildApp, handlerFolder, settle, TEST_WEBHOOK_SECRET } from '../helper.js'
import { handledEventIds } from '../fixtures/handler-folders/recording/payment_intent.succeeded.js'

async function trigger (argv: string[], env: Record<string, string> = {}): Promise<{ code: number, output: string }> {
  const lines: string[] = []
  const code = await runTriggerCommand(argv, { env, out: (line) => lines.push(line) })
  return { code, output: lines.join('\n') }
}

async function portNobodyListensOn (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function listeningApp (t: Parameters<typeof buildApp>[0]) {
  const built = await buildApp(t, { handlersDir: handlerFolder('recording') })
  const address = await built.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...built, url: `${address}/webhook`, env: { STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET } }
}

test('every v1 and thin event type of the stripe package is triggered, signed, and accepted with 2xx', async (t) => {
  const { app, url, env } = await listeningApp(t)
  const thinUrl = url.replace(/\/webhook$/, app.config.THIN_WEBHOOK_PATH)
  const refused: string[] = []
  for (const type of stripeEventTypes()) {
    const { code, output } = await trigger([type, '--url', url], env)
    if (code !== 0 || !output.includes('← 200 {"received":true}')) refused.push(`${type}: ${output}`)
  }
  t.same(refused, [], `all ${stripeEventTypes().size} v1 types answered 200`)
  for (const type of stripeThinEventTypes().keys()) {
    const { code, output } = await trigger([type, '--url', thinUrl], env)
    if (code !== 0 || !output.includes('← 200 {"received":true}')) refused.push(`${type}: ${output}`)
  }
  t.same(refused, [], `all ${stripeThinEventTypes().size} thin types answered 200 on the thin route`)
})

test('a triggered payment_intent.succeeded runs its handler; the same id twice runs it once', async (t) => {
  handledEventIds.length = 0
  const { app, url, env } = await listeningApp(t)
  const first = await trigger(['payment_intent.succeeded', '--url', url, '--id', 'evt_trigger_dup'], env)
  const second = await trigger(['payment_intent.succeeded', '--url', url, '--id', 'evt_trigger_dup'], env)
  await settle(app)
  t.equal(first.code, 0)
  t.match(first.output, /→ POST http:\/\/127\.0\.0\.1:\d+\/webhook payment_intent\.succeeded evt_trigger_dup \(\d+ bytes\)/)
  t.equal(second.code, 0, 'the duplicate is acknowledged')
  t.same(handledEventIds, ['evt_trigger_dup'], 'and handled once')
})

test('a stale timestamp or another secret is refused by the service, and the trigger says so', async (t) => {
  const { url, env } = await listeningApp(t)
  const stale = await trigger(['charge.succeeded', '--url', url, '--timestamp=-600'], env)
  t.equal(stale.code, 1)
  t.match(stale.output, /← 400 .*TIMESTAMP_OUTSIDE_TOLERANCE/)
  const wrongSecret = await trigger(['charge.succeeded', '--url', url, '--secret', 'whsec_not_the_one'], env)
  t.equal(wrongSecret.code, 1)
  t.match(wrongSecret.output, /← 400 .*INVALID_SIGNATURE/)
  t.match(wrongSecret.output, 'this event was signed with the --secret given (…_one)', 'it says which secret signed')
  t.match(wrongSecret.output, /To align them: .* pass the service's secret with --secret/, 'and how to align them')
  t.notOk(wrongSecret.output.includes('whsec_not_the_one'), 'never the secret itself')
  t.notMatch(stale.output, /To align them/, 'a stale signature gets no secret hint')
})

test('--print shows the event signed with the development secret when none is configured', async (t) => {
  const { code, output } = await trigger(['invoice.paid', '--print', '--timestamp', '1700000000'])
  t.equal(code, 0)
  const [header, , ...body] = output.split('\n')
  const payload = body.join('\n')
  const event = Stripe.webhooks.constructEvent(payload, (header ?? '').replace('Stripe-Signature: ', ''), LOCAL_DEVELOPMENT_SECRET, 1e10)
  t.equal(event.type, 'invoice.paid')
  t.equal(event.created, 1_700_000_000)
  t.match((event.data.object as Stripe.Invoice).id, /^in_/)
})

test('mistakes get the usage and exit code 2; an unreachable service says how to start one', async (t) => {
  const typo = await trigger(['payment_intent.succeded'])
  t.equal(typo.code, 2)
  t.match(typo.output, /Did you mean payment_intent\.succeeded/)
  t.match(typo.output, /Usage: npm run trigger/)
  t.equal((await trigger([])).code, 2)
  t.equal((await trigger(['charge.succeeded', '--timestamp', 'yesterday'])).code, 2)
  t.equal((await trigger(['charge.succeeded', '--set', 'amount'])).code, 2)
  t.equal((await trigger(['charge.succeeded', '--set', '__proto__.x=1'])).code, 2)
  t.equal((await trigger(['charge.succeeded', '--no-such-option'])).code, 2)
  const thinWithFields = await trigger(['v2.core.account.created', '--set', 'x=1'])
  t.equal(thinWithFields.code, 2)
  t.match(thinWithFields.output, /a thin event carries no object/)
  const closedPort = await portNobodyListensOn()
  const down = await trigger(['charge.succeeded', '--url', `http://127.0.0.1:${closedPort}/webhook`])
  t.equal(down.code, 1)
  t.match(down.output, `Could not reach http://127.0.0.1:${closedPort}/webhook (ECONNREFUSED). Is the service running? Start it with npm run dev.`)
  const listed = await trigger(['--list'])
  t.equal(listed.output.split('\n').length, stripeEventTypes().size + stripeThinEventTypes().size)
  t.match(listed.output, /^\* payment_intent\.succeeded$/m)
})

test('without --url, events go to PORT and WEBHOOK_PATH, thin events to THIN_WEBHOOK_PATH', async (t) => {
  const { url, env } = await listeningApp(t)
  const port = new URL(url).port
  const snapshot = await trigger(['customer.created'], { ...env, PORT: port })
  t.match(snapshot.output, `→ POST http://127.0.0.1:${port}/webhook customer.created`)
  t.equal(snapshot.code, 0)
  const thin = await trigger(['v2.core.account.created'], { ...env, PORT: port })
  t.match(thin.output, `→ POST http://127.0.0.1:${port}/webhook/thin v2.core.account.created`)
  t.equal(thin.code, 0)
})
