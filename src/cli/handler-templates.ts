// The files `npm run new-handler` writes: a handler that logs what it received, and a test that
// delivers the fixture signed and checks that log line, so both pass before the first edit.
import { fileNameOfPattern } from '../routing/event-patterns.js'
import { stripeEventObjectTypes } from '../routing/stripe-event-types.js'
import { stripeObjectShape } from '../samples/stripe-objects.js'

export interface HandlerTemplateInput {
  /** What the handler declares: an event type, a prefix pattern or `*`. */
  pattern: string
  /** The event type of the fixture the test delivers (the pattern itself for a single type). */
  fixtureType: string
  /**
   * The handler was written by hand, so its test cannot know what it logs: the test checks that it
   * handles the fixture without throwing, and leaves what it does to be asserted.
   */
  handwritten?: boolean
}

/** The log message the generated handler writes and its test looks for. */
export function handledMessage (pattern: string): string {
  return pattern.includes('*') ? `Handled a ${pattern} event` : `Handled ${pattern}`
}

// `Checkout.Session` -> `session`, `PaymentIntent` -> `paymentIntent`
function variableName (resource: string): string {
  const last = resource.split('.').at(-1) as string
  return last.charAt(0).toLowerCase() + last.slice(1)
}

function objectHasId (type: string): boolean {
  const resource = stripeEventObjectTypes().get(type)
  return resource !== undefined && stripeObjectShape(resource).idPrefix !== null
}

export function handlerSource ({ pattern }: HandlerTemplateInput): string {
  const message = handledMessage(pattern)
  const resource = stripeEventObjectTypes().get(pattern)
  const body = resource !== undefined && objectHasId(pattern)
    ? `  const ${variableName(resource)} = event.data.object\n  log.info({ objectId: ${variableName(resource)}.id }, '${message}')\n`
    // `log` is bound to eventId and eventType already: logging event.type again would repeat the key.
    : `  // event.type says which event this is; switch on it to narrow event.data.object.\n  log.info('${message}')\n`
  return `// What to do when Stripe sends ${pattern}. Use \`eventId\` as the idempotency key of anything this
// causes: Stripe delivers at least once, and a side effect may outlive a crash before it is recorded.
import { defineHandler } from '#define-handler'

export default defineHandler('${pattern}', async (event, { log }) => {
${body}})
`
}

export function handlerTestSource ({ pattern, fixtureType, handwritten = false }: HandlerTemplateInput): string {
  const fixture = fileNameOfPattern(pattern)
  const expected = objectHasId(pattern) ? '{ eventId: event.id, eventType: event.type, objectId: event.data.object.id }' : '{ eventId: event.id, eventType: event.type }'
  // A thin event's fixture is the notification as it arrives; the handler's fetches need STRIPE_SECRET_KEY.
  const [eventType, typeName] = stripeEventObjectTypes().has(fixtureType)
    ? [`StripeEventOf<'${fixtureType}'>`, 'StripeEventOf']
    : ['ThinEventPayload', 'ThinEventPayload']
  const check = handwritten
    ? `  t.notOk(logs.find((line) => line.msg.startsWith(\`Handler for \${event.type} failed\`)), 'the handler did not throw')
  // TODO: assert what the handler does with the event (a log line, a call it makes...).
`
    : `  t.match(logs.find((line) => line.msg === '${handledMessage(pattern)}'), ${expected})
`
  return `import { test } from 'tap'
import type { ${typeName} } from '#define-handler'
import { buildApp, deliver, loadFixture, settle } from '#test-helper'

test('${pattern} is acknowledged and handled', async (t) => {
  const { app, logs } = await buildApp(t)
  const event = loadFixture<${eventType}>('${fixture}')

  const response = await deliver(app, event)
  await settle(app)

  t.equal(response.statusCode, 200)
${check}})
`
}
