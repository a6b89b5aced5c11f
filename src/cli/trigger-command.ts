// The offline counterpart of `stripe trigger`: builds an event of any type, signs it exactly as Stripe
// does with the configured (or local development) secret, posts it to a running service and prints
// the answer. No Stripe account, no network beyond the service.
import { parseArgs } from 'node:util'
import Stripe from 'stripe'
import { readSettings } from '../../config/read-settings.js'
import type { Settings } from '../../config/settings.js'
import { webhookSecrets } from '../../config/webhook-secrets.js'
import { buildEvent, hasRealisticSample } from '../samples/build-event.js'
import { buildThinEvent, isThinEventType } from '../samples/build-thin-event.js'
import { triggerFields } from '../samples/trigger-fields.js'
import type { StripeSnapshotEventType } from '../define-handler.js'
import type { RoutedEvent } from '../delivery/routed-event.js'
import { stripeEventTypes, stripeThinEventTypes } from '../routing/stripe-event-types.js'
import { chooseSigningSecret, invalidSignatureHint, type SigningSecret } from './signing-secret.js'
import { runCommand, UsageError } from './run-command.js'

export interface TriggerIo {
  /** The settings' source, read as the service reads it (process.env with .env beneath it, or data in tests). */
  env: Record<string, string | undefined>
  out: (line: string) => void
  /** Where errors and the usage after a usage error go (stderr from the command line); `out` unless given. */
  err?: (line: string) => void
  /** Where warnings go (stderr from the command line); `out` unless given. */
  warn?: (line: string) => void
  /** How the request is sent: global fetch unless a test gives another. */
  fetch?: typeof fetch
}

export const usage = `Usage: npm run trigger -- <event.type> [options]

Sends a signed test event to a running service (start one with npm run dev). A thin event type
(v1.billing.meter.no_meter_found, v2.core.account.created, ...) is sent as an event destination's
thin notification to THIN_WEBHOOK_PATH.

Options:
  --url <url>              where to send it (default http://127.0.0.1:$PORT$WEBHOOK_PATH, or
                           $THIN_WEBHOOK_PATH for a thin event)
  --id <evt_...>           the event id (a new one unless given)
  --twice                  send the same signed event twice, as Stripe redelivers: the handler
                           runs once
  --timestamp <seconds>    when it was signed, in seconds since the epoch, or =-<n> for n seconds ago
                           (e.g. --timestamp=-600 to try a stale signature)
  --set <path>=<value>     set a field of data.object, e.g. --set amount=5000 --set metadata.order_id=7,
                           as the type Stripe sends it: metadata values and other text fields as
                           text ("7"), number and boolean fields as such, null as null; a field the
                           object does not have is sent too, with a warning
  --account <acct_...>     send it as an event from a connected account (a thin event's context)
  --livemode               mark it live mode
  --secret <whsec_...>     sign with this secret instead of STRIPE_WEBHOOK_SECRET
  --print                  print a curl command that sends the signed event (POSIX shell), instead
                           of sending it
  --list                   list every event type (* marks a realistic sample), then the thin ones

The secret is STRIPE_WEBHOOK_SECRET from the environment or .env (the first, when several), or
the local development secret that npm run dev uses when none is set.`

const options = {
  url: { type: 'string' },
  id: { type: 'string' },
  timestamp: { type: 'string' },
  set: { type: 'string', multiple: true },
  account: { type: 'string' },
  livemode: { type: 'boolean' },
  secret: { type: 'string' },
  print: { type: 'boolean' },
  twice: { type: 'boolean' },
  list: { type: 'boolean' },
  help: { type: 'boolean' }
} as const

function parseTimestamp (text: string, now: number): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--timestamp must be seconds since the epoch or =-<seconds ago>, not "${text}"`)
  const value = Number(text)
  return value < 0 ? now + value : value
}

function defaultUrl (settings: Settings, thin: boolean): string {
  return `http://127.0.0.1:${settings.PORT}${thin ? settings.THIN_WEBHOOK_PATH : settings.WEBHOOK_PATH}`
}

function listTypes (out: TriggerIo['out']): number {
  for (const type of [...stripeEventTypes()].sort()) out(`${hasRealisticSample(type) ? '*' : ' '} ${type}`)
  for (const type of [...stripeThinEventTypes().keys()].sort()) out(`  ${type}`)
  return 0
}

type Values = ReturnType<typeof parseArgs<{ options: typeof options, allowPositionals: true }>>['values']

function buildFromOptions (type: string, values: Values, timestamp: number, warn: (line: string) => void): RoutedEvent {
  try {
    if (isThinEventType(type)) {
      if (values.set !== undefined) throw new UsageError('--set changes data.object; a thin event carries no object (its handler fetches it)')
      return buildThinEvent(type, { id: values.id, created: timestamp, context: values.account, livemode: values.livemode })
    }
    const fields = triggerFields(type as StripeSnapshotEventType, values.set ?? [], warn)
    return buildEvent(type as StripeSnapshotEventType, { id: values.id, created: timestamp, fields, account: values.account, livemode: values.livemode })
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError((error as Error).message)
  }
}

/**
 * A POSIX shell command that posts exactly the signed bytes: the body single-quoted as it is, with
 * no newline added at its end (which would change what was signed).
 */
export function curlRecipe (url: string, payload: string, signature: string): string {
  const quoted = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`
  return `curl -sS -X POST ${quoted(url)} \\\n  -H 'Content-Type: application/json' \\\n  -H ${quoted(`Stripe-Signature: ${signature}`)} \\\n  --data-binary ${quoted(payload)}`
}

async function send (url: string, payload: string, signature: string, signing: SigningSecret, io: TriggerIo): Promise<number> {
  let response: Response
  try {
    response = await (io.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
      body: payload
    })
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message
    io.out(`Could not reach ${url} (${cause}). Is the service running? Start it with npm run dev.`)
    return 1
  }
  const answer = await response.text()
  io.out(`← ${response.status} ${answer}`)
  if (response.status === 400 && answer.includes('"INVALID_SIGNATURE"')) invalidSignatureHint(signing).forEach((line) => { io.out(line) })
  return response.ok ? 0 : 1
}

export async function runTriggerCommand (argv: string[], io: TriggerIo): Promise<number> {
  return await runCommand(usage, io, async () => {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true })
    if (values.help === true) {
      io.out(usage)
      return 0
    }
    if (values.list === true) return listTypes(io.out)
    const type = positionals[0]
    if (type === undefined) throw new UsageError('Name the event type to trigger, e.g. npm run trigger -- payment_intent.succeeded')
    if (positionals.length > 1) throw new UsageError(`One event type at a time, not ${positionals.join(' ')}`)

    const now = Math.floor(Date.now() / 1000)
    const timestamp = values.timestamp === undefined ? now : parseTimestamp(values.timestamp, now)
    const event = buildFromOptions(type, values, timestamp, io.warn ?? io.out)
    // Serialised as Stripe serialises events: two-space indentation.
    const payload = JSON.stringify(event, null, 2)
    const settings = readSettings({ env: io.env })
    // The trigger signs with the first secret the service accepts, and needs none to be set.
    const signing = chooseSigningSecret(webhookSecrets(settings, { required: false }), io.env, values.secret)
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: signing.secret, timestamp })
    const url = values.url ?? defaultUrl(settings, event.object === 'v2.core.event')
    if (values.print === true) {
      io.out(curlRecipe(url, payload, signature))
      return 0
    }
    io.out(`→ POST ${url} ${type} ${event.id} (${Buffer.byteLength(payload)} bytes)`)
    const code = await send(url, payload, signature, signing, io)
    if (values.twice !== true || code !== 0) return code
    io.out(`→ POST ${url} ${type} ${event.id} again, as a redelivery`)
    return await send(url, payload, signature, signing, io)
  })
}
