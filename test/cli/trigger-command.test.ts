// The offline trigger, against the service listening on a real port: every v1 type, duplicates,
// stale signatures, and the mistakes a developer makes calling it.
import { execFile } from 'node:child_process'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import { test } from 'tap'
import { runTriggerCommand } from '../../src/cli/trigger-command.js'
import { stripeEventTypes, stripeThinEventTypes } from '../../src/routing/stripe-event-types.js'
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

async function listeningApp (t: Parameters<typeof buildApp>[0], env: Record<string, string> = { STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET }) {
  const built = await buildApp(t, { handlersDir: handlerFolder('recording'), env })
  const address = await built.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...built, url: `${address}/webhook`, env }
}

/** The trigger with the request it would send caught: the body as sent, and the warnings apart. */
async function triggerCaptured (argv: string[]): Promise<{ code: number, body: { data: { object: Record<string, any> } }, warnings: string[] }> {
  const warnings: string[] = []
  let sent = ''
  const code = await runTriggerCommand([...argv, '--url', 'http://127.0.0.1:9/webhook'], {
    env: {},
    out: () => {},
    warn: (line) => warnings.push(line),
    fetch: async (_url, init) => {
      sent = String(init?.body)
      return new Response('{"received":true}')
    }
  })
  return { code, body: JSON.parse(sent === '' ? '{}' : sent), warnings }
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

  const twice = await trigger(['payment_intent.succeeded', '--url', url, '--twice'], env)
  await settle(app)
  t.equal(twice.code, 0)
  t.equal(twice.output.match(/← 200 \{"received":true\}/g)?.length, 2, '--twice sends it twice, both acknowledged')
  t.equal(handledEventIds.length, 2, 'and its new id is handled once')
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

test('--print gives a curl command that, run as printed, delivers the event signed with the development secret', async (t) => {
  handledEventIds.length = 0
  const { app, url } = await listeningApp(t, { STRIPE_WEBHOOK_SECRET: LOCAL_DEVELOPMENT_SECRET })
  // No secret configured: the development one. A quote in a field tests the shell quoting.
  const { code, output } = await trigger(['payment_intent.succeeded', '--print', '--url', url, '--set', "description=Mary's order"])
  t.equal(code, 0)
  t.match(output, /^curl -sS -X POST '.*\/webhook' \\\n/)
  const run = promisify(execFile)
  const first = await run('sh', ['-c', output])
  const again = await run('sh', ['-c', output])
  await settle(app)
  t.equal(first.stdout, '{"received":true}', 'the signature verifies over the bytes sent')
  t.equal(again.stdout, '{"received":true}', 'a replay of the same command is a duplicate, acknowledged')
  t.equal(handledEventIds.length, 1, 'and handled once')
})

test('--set writes each value as the type Stripe sends: metadata and text as strings, amounts as numbers, booleans, null', async (t) => {
  const { body, warnings, code } = await triggerCaptured(['payment_intent.succeeded', '--set', 'amount=5000', '--set', 'metadata.order_id=7',
    '--set', 'description=42', '--set', 'customer=null', '--set', 'livemode=true', '--set', 'metadata.gift=true'])
  t.equal(code, 0)
  t.same(warnings, [])
  const object = body.data.object
  t.equal(object.amount, 5000)
  t.equal(object.metadata.order_id, '7', 'a metadata value is a string, as in every Stripe object')
  t.equal(object.metadata.gift, 'true')
  t.equal(object.description, '42', 'a text field stays text')
  t.equal(object.customer, null)
  t.equal(object.livemode, true)
})

test('--set on a field the object does not have warns on stderr, and a number field refuses text', async (t) => {
  const typo = await triggerCaptured(['payment_intent.succeeded', '--set', 'nosuchfield.x=1', '--set', 'amount_recieved=10'])
  t.equal(typo.code, 0, 'still sent: a handler may read a field newer than the installed stripe package')
  t.same(typo.warnings, [
    'Warning: --set nosuchfield.x: a PaymentIntent has no field nosuchfield in the installed stripe package; it is sent anyway.',
    'Warning: --set amount_recieved: a PaymentIntent has no field amount_recieved in the installed stripe package; it is sent anyway.'
  ])
  // A type with no realistic sample: the field types come from stripe-node's declarations.
  const declared = await triggerCaptured(['billing.meter.created', '--set', 'display_name=7', '--set', 'created=1700000000'])
  t.same(declared.warnings, [])
  t.same([declared.body.data.object.display_name, declared.body.data.object.created], ['7', 1_700_000_000])
  const wrong = await trigger(['payment_intent.succeeded', '--set', 'amount=lots'])
  t.equal(wrong.code, 2)
  t.match(wrong.output, '--set amount takes a number (amounts are in the smallest currency unit, e.g. 5000 for 50.00), not "lots"')
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
