// The handlers folder as a handler author uses it: the stable `#define-handler` import at any depth,
// shared code under lib/ that is never taken for a handler, fixes that never name a taken file, and
// log lines that carry each binding once.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import { test } from 'tap'
import app from '../../src/app.js'
import { buildEvent } from '../../src/samples/build-event.js'
import { handledMessage, handlerSource } from '../../src/cli/handler-templates.js'
import { listHandlerFiles } from '../../src/routing/handler-loader.js'
import { routerServerOptions } from '../../src/startup/server-options.js'
import { buildApp, deliver, handlerFolder, settle, TEST_WEBHOOK_SECRET, temporaryDir } from '../helper.js'

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))

test('a handler two folders deep imports #define-handler and shared code from lib/, which is never taken for a handler', async (t) => {
  const { app, logs } = await buildApp(t, { handlersDir: handlerFolder('shared-code') })
  t.same(app.stripeHandlers.types, ['invoice.paid'], 'lib/money.ts and billing/lib/invoice-number.ts are not handlers')
  t.match(logs.find((line) => line.msg === 'Loaded 1 Stripe event handlers'), { handlers: ['billing/invoices/invoice.paid.ts'] })

  const event = buildEvent('invoice.paid', { fields: { amount_paid: 12345, currency: 'eur', number: 'INV-7' } })
  t.equal((await deliver(app, event)).statusCode, 200)
  await settle(app)
  t.match(logs.find((line) => line.msg === 'Invoice paid'), { eventId: event.id, paid: '123.45 EUR', invoice: 'INV-7' })
})

test('the project\'s handlers/lib/money.ts does not stop start-up, and is no handler to test', async (t) => {
  const files = await listHandlerFiles(join(projectRoot, 'handlers'))
  t.notOk(files.some((file) => file.includes('/lib/')), 'handlers/lib/ is left out')
  const { app } = await buildApp(t)
  t.ok(app.stripeHandlers.has('balance.available'), 'the seed handler that imports it loads')
})

test('a handler that declares a type whose file exists is told to change what it declares, not to rename onto that file', async (t) => {
  const refusal = await buildApp(t, { handlersDir: handlerFolder('wrong-type-taken') }).then(() => undefined, (error: Error) => error)
  t.match(refusal, {
    code: 'INVALID_HANDLER',
    message: /handlers\/payment_intent\.succeeded\.ts declares defineHandler\('charge\.succeeded', \.\.\.\) but its file name says payment_intent\.succeeded\. handlers\/charge\.succeeded\.ts already handles charge\.succeeded: change what handlers\/payment_intent\.succeeded\.ts declares to 'payment_intent\.succeeded'/
  })
  t.notMatch(refusal?.message, /rename/, 'no rename onto a file that exists')
})

test('a scaffolded prefix handler\'s log line carries eventId and eventType once each', async (t) => {
  // The generated source, imported by absolute path: outside the project `#define-handler` does not resolve.
  const dir = temporaryDir(t)
  mkdirSync(join(dir, 'handlers'))
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  const source = handlerSource({ pattern: 'customer.*', fixtureType: 'customer.created' })
    .replace("'#define-handler'", `'${pathToFileURL(join(projectRoot, 'src/define-handler.ts')).href}'`)
  writeFileSync(join(dir, 'handlers/customer._all.ts'), source)

  // The raw lines, unparsed: JSON.parse would silently keep one of two equal keys.
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } })
  const fastify = Fastify({ ...routerServerOptions(), logger: { level: 'info', stream } })
  await fastify.register(fp(app), { env: { NODE_ENV: 'test', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, DATA_DIR: dir }, handlersDir: join(dir, 'handlers') })
  t.teardown(() => fastify.close())
  await fastify.ready()

  const event = buildEvent('customer.created')
  t.equal((await deliver(fastify, event)).statusCode, 200)
  await settle(fastify)
  const line = lines.find((text) => text.includes(`"msg":"${handledMessage('customer.*')}"`))
  t.ok(line, 'the handler logged')
  t.equal(line?.match(/"eventType":/g)?.length, 1, 'eventType once')
  t.equal(line?.match(/"eventId":/g)?.length, 1, 'eventId once')
  t.match(JSON.parse(line ?? '{}'), { eventId: event.id, eventType: 'customer.created' })
})

test('a handler outside the project that imports #define-handler is refused with how to import it there', async (t) => {
  const dir = temporaryDir(t)
  mkdirSync(join(dir, 'handlers'))
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  writeFileSync(join(dir, 'handlers/invoice.paid.ts'), handlerSource({ pattern: 'invoice.paid', fixtureType: 'invoice.paid' }))
  await t.rejects(buildApp(t, { handlersDir: join(dir, 'handlers') }), {
    code: 'INVALID_HANDLER',
    message: /handlers\/invoice\.paid\.ts imports #define-handler, which resolves only inside this project .*for a HANDLERS_DIR outside the project, import define-handler by its path/
  })
})
