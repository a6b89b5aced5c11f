// `npm run endpoints -- check [--fix]`: compares the handlers on disk with the Stripe webhook
// endpoint's `enabled_events`, so a handler whose type the endpoint never sends (or an endpoint
// sending types nobody handles) is found before production is. With --fix it makes the endpoint
// match, creating it when --url names one that does not exist yet.
import { parseArgs } from 'node:util'
import Stripe from 'stripe'
import { compareSubscriptions, subscriptionsFor } from './endpoint-subscriptions.js'
import { readSettings } from '../../config/read-settings.js'
import { handlersDirOf } from '../../config/resolved-settings.js'
import type { Settings } from '../../config/settings.js'
import { listHandlerPatterns } from '../routing/handler-loader.js'
import { createStripeClient } from '../stripe-client.js'
import { runCommand, UsageError } from './run-command.js'

export interface EndpointsIo {
  /** The settings' source, read as the service reads it (process.env with .env beneath it, or data in tests). */
  env: Record<string, string | undefined>
  /** The project folder, whose handlers/ is read unless HANDLERS_DIR says otherwise. */
  root: string
  out: (line: string) => void
  /** Errors, and the usage after a usage error (stderr from the command line); `out` unless given. */
  err?: (line: string) => void
}

export const usage = `Usage: npm run endpoints -- check [options]

Compares the handlers on disk with a Stripe webhook endpoint's enabled_events.
Exit code 0 when they match, 1 when they differ.

Options:
  --url <url>              the endpoint, by its URL (needed when the account has several)
  --id <we_...>            the endpoint, by its id
  --fix                    set the endpoint's enabled_events to what the handlers take; creates
                           the endpoint when --url names none (prints its signing secret once)
  --api-host <host>        the Stripe API host (STRIPE_API_HOST; default api.stripe.com)
  --api-port <port>        (STRIPE_API_PORT) and --api-protocol <http|https> (STRIPE_API_PROTOCOL):
                           point the client at a local fake of the Stripe API

Needs STRIPE_SECRET_KEY (a secret or restricted key that can read and write webhook endpoints).`

const options = {
  url: { type: 'string' },
  id: { type: 'string' },
  fix: { type: 'boolean' },
  'api-host': { type: 'string' },
  'api-port': { type: 'string' },
  'api-protocol': { type: 'string' },
  help: { type: 'boolean' }
} as const

type Values = ReturnType<typeof parseArgs<{ options: typeof options, allowPositionals: true }>>['values']

function stripeClient (values: Values, settings: Settings): Stripe {
  const key = settings.STRIPE_SECRET_KEY
  if (key === undefined) throw new UsageError('Set STRIPE_SECRET_KEY to a key that can read webhook endpoints (sk_test_... for test mode)')
  const protocol = values['api-protocol'] ?? settings.STRIPE_API_PROTOCOL
  if (protocol !== undefined && protocol !== 'http' && protocol !== 'https') throw new UsageError(`--api-protocol must be http or https, not "${protocol}"`)
  const port = values['api-port'] ?? settings.STRIPE_API_PORT
  return createStripeClient(key, {
    STRIPE_API_HOST: values['api-host'] ?? settings.STRIPE_API_HOST,
    STRIPE_API_PORT: port === undefined ? undefined : Number(port),
    STRIPE_API_PROTOCOL: protocol
  }, 1)
}

/** The endpoint to compare with, or null when --url names one that does not exist. */
async function findEndpoint (stripe: Stripe, values: Values): Promise<Stripe.WebhookEndpoint | null> {
  if (values.id !== undefined) return await stripe.webhookEndpoints.retrieve(values.id)
  const endpoints = await stripe.webhookEndpoints.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 })
  if (values.url !== undefined) return endpoints.find((endpoint) => endpoint.url === values.url) ?? null
  if (endpoints.length === 1) return endpoints[0] as Stripe.WebhookEndpoint
  const listing = endpoints.map((endpoint) => `  ${endpoint.id} ${endpoint.url}`).join('\n')
  throw new UsageError(endpoints.length === 0
    ? 'The account has no webhook endpoint; create one with --fix --url https://<your host>/webhook'
    : `The account has ${endpoints.length} webhook endpoints; name one with --url or --id:\n${listing}`)
}

function printList (out: EndpointsIo['out'], title: string, types: string[]): void {
  if (types.length === 0) return
  out(title)
  for (const type of types) out(`    ${type === '*' ? '* (every event type)' : type}`)
}

async function check (values: Values, io: EndpointsIo): Promise<number> {
  const settings = readSettings({ env: io.env })
  const stripe = stripeClient(values, settings)
  const wanted = subscriptionsFor(await listHandlerPatterns(handlersDirOf(settings, io.root)))
  const endpoint = await findEndpoint(stripe, values)

  if (endpoint === null) {
    if (values.fix !== true) {
      io.out(`No webhook endpoint has the URL ${values.url ?? ''}; create it with --fix`)
      return 1
    }
    const created = await stripe.webhookEndpoints.create({ url: values.url as string, enabled_events: wanted as Stripe.WebhookEndpointCreateParams.EnabledEvent[] })
    io.out(`Created ${created.id} ${created.url} for ${wanted.length} event types.`)
    io.out(`Its signing secret (shown once; set it as STRIPE_WEBHOOK_SECRET): ${created.secret ?? '(not returned)'}`)
    return 0
  }

  io.out(`Endpoint ${endpoint.id} ${endpoint.url} (${endpoint.status})`)
  const difference = compareSubscriptions(wanted, endpoint.enabled_events)
  if (difference.notSubscribed.length === 0 && difference.notHandled.length === 0) {
    io.out(`In sync: the handlers take ${wanted.length === 1 && wanted[0] === '*' ? 'every event type' : `${wanted.length} event types`} and the endpoint sends them.`)
    return 0
  }
  printList(io.out, '  Handled but not subscribed (Stripe never sends them):', difference.notSubscribed)
  printList(io.out, '  Subscribed but not handled (acknowledged and stored as unhandled):', difference.notHandled)
  if (values.fix !== true) {
    io.out('Run with --fix to set the endpoint\'s enabled_events to what the handlers take.')
    return 1
  }
  await stripe.webhookEndpoints.update(endpoint.id, { enabled_events: wanted as Stripe.WebhookEndpointUpdateParams.EnabledEvent[] })
  io.out(`Updated ${endpoint.id}: enabled_events is now the ${wanted.length === 1 && wanted[0] === '*' ? 'catch-all *' : `${wanted.length} handled types`}.`)
  return 0
}

export async function runEndpointsCommand (argv: string[], io: EndpointsIo): Promise<number> {
  return await runCommand(usage, io, async () => {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true })
    if (values.help === true) {
      io.out(usage)
      return 0
    }
    if (positionals[0] !== 'check' || positionals.length !== 1) throw new UsageError('The command is check, e.g. npm run endpoints -- check --url https://example.com/webhook')
    try {
      return await check(values, io)
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error
      io.out(`The Stripe API refused: ${error.message}`)
      return 1
    }
  })
}
