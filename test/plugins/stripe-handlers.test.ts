// The stripe-handlers plugin on a bare Fastify with only the config it declares: it loads a handler
// folder, mounts each file as its own plugin, and its decorator routes each type to one handler.
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import stripeHandlers from '../../plugins/stripe-handlers.js'
import type { RoutedEvent } from '../../src/delivery/routed-event.js'
import { buildEvent } from '../../src/samples/build-event.js'
import { routed } from '../fixtures/routing/routing-log.js'
import { handlerFolder } from '../helper.js'
import { bareFastify, registerSettings, type BareFastify } from '../helpers/bare-fastify.js'

// A tiny route that hands the posted event to the decorator, as the inbox does.
async function bareApp (t: Parameters<typeof bareFastify>[0], folder: string): Promise<BareFastify> {
  const bare = bareFastify(t)
  const { fastify } = bare
  await registerSettings(t, fastify)
  await fastify.register(stripeHandlers, { handlersDir: handlerFolder(folder) })
  fastify.post('/dispatch', async (request) => {
    const event = request.body as RoutedEvent
    const outcome = await fastify.stripeHandlers.dispatch(event, request.log)
    return { outcome, handler: fastify.stripeHandlers.handlerFor(event.type) ?? null }
  })
  await fastify.ready()
  return bare
}

async function dispatch (fastify: FastifyInstance, type: Parameters<typeof buildEvent>[0]): Promise<{ statusCode: number, body: unknown }> {
  const response = await fastify.inject({ method: 'POST', url: '/dispatch', payload: buildEvent(type) })
  return { statusCode: response.statusCode, body: response.json() }
}

test('a handler folder is loaded: its types listed, each file mounted as its own plugin', async (t) => {
  const { fastify, logs } = await bareApp(t, 'recording')
  t.same(fastify.stripeHandlers.types, ['payment_intent.succeeded'])
  t.equal(fastify.stripeHandlers.has('payment_intent.succeeded'), true)
  t.equal(fastify.stripeHandlers.has('invoice.paid'), false)
  t.notOk(fastify.hasDecorator('recorder'), 'a handler\'s setup decorates its own scope, not the instance')
  t.match(logs.find((line) => line.msg === 'Loaded 1 Stripe event handlers'), { handlers: ['payment_intent.succeeded.ts'] })
})

test('the decorator routes each type to the most specific handler, and runs only that one', async (t) => {
  const { fastify } = await bareApp(t, 'patterns')
  t.same(fastify.stripeHandlers.types, ['*', 'customer.*', 'customer.subscription.*', 'customer.subscription.deleted'])
  routed.length = 0
  const expected = [
    ['customer.subscription.deleted', 'customer.subscription.deleted'],
    ['customer.subscription.updated', 'customer.subscription.*'],
    ['customer.created', 'customer.*'],
    ['invoice.paid', '*']
  ] as const
  for (const [type, handler] of expected) {
    t.same(await dispatch(fastify, type), { statusCode: 200, body: { outcome: 'handled', handler } }, `${type} goes to ${handler}`)
  }
  t.same(routed.map(({ handler, eventType }) => [eventType, handler]), expected, 'one handler ran per event')
})

test('a type without a handler is answered unhandled and runs nothing', async (t) => {
  const { fastify, logs } = await bareApp(t, 'recording')
  t.same(await dispatch(fastify, 'invoice.paid'), { statusCode: 200, body: { outcome: 'unhandled', handler: null } })
  t.ok(logs.some((line) => line.msg === 'Unhandled event type: invoice.paid'))
})

test('a handler\'s error reaches the caller', async (t) => {
  const { fastify } = await bareApp(t, 'throwing')
  // No error-replies here: Fastify's own error handler answers with the error's message.
  t.match(await dispatch(fastify, 'payment_intent.succeeded'), { statusCode: 500, body: { message: /^fulfilment service unavailable for pi_/ } })
})

test('a file not named after a Stripe event type stops the instance from starting', async (t) => {
  const { fastify } = bareFastify(t)
  await registerSettings(t, fastify)
  fastify.register(stripeHandlers, { handlersDir: handlerFolder('typo') })
  await t.rejects(async () => await fastify.ready(), { code: 'INVALID_HANDLER', message: /payment_intent\.succeded/ })
})
