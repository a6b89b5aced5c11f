// `npm run events -- reconcile`: lists the account's events through Stripe's List Events API and
// stores every one the inbox lacks, pending. It runs no handler itself: the running service's
// workers take them at their next poll, with the service's handlers, retries, leases and metrics,
// the same as any delivery (a second process running handlers would bypass all of that).
import { parseArgs } from 'node:util'
import Stripe from 'stripe'
import { readSettings } from '../../config/read-settings.js'
import { storeKind } from '../../config/resolved-settings.js'
import type { HealthTrackedStore } from '../store/store-health.js'
import { openNamedStore } from '../cli/command-store.js'
import { createStripeClient } from '../stripe-client.js'
import { redactCredentials } from '../logging/redact-credentials.js'
import { runCommand, UsageError } from '../cli/run-command.js'
import { parseTime } from '../cli/events-args.js'
import { stripeRetentionMs } from './list-events.js'
import { reconcileEvents } from './reconcile-events.js'

export interface ReconcileIo {
  env: Record<string, string | undefined>
  out: (line: string) => void
  /** Errors; stdout when absent. */
  err?: (line: string) => void
  now?: () => number
}

export const reconcileUsage = `Usage: npm run events -- reconcile [options]

Lists events through Stripe's List Events API and stores each one the event store lacks, pending:
the running service's workers hand them to their handlers at their next poll.

Options:
  --since <age|time>       events created since then: an age (72h, 7d) or an ISO date; default 72h,
                           at most 30d (Stripe keeps events for 30 days)
  --type <event.type>      only this type; repeat for several
  --dry-run                count what would be stored, store nothing

Needs STRIPE_SECRET_KEY (a key that can read events); STRIPE_API_HOST/_PORT/_PROTOCOL as for the
service. The store comes from the same settings as the service (DATABASE_URL, DATA_DIR, EVENT_STORE).
Exit code 0 when done, 1 when Stripe or the store failed, 2 for a bad command line.`

/** `text` (an age such as 72h, or an ISO date) as a time in ms, refused beyond Stripe's 30 days. */
export function parseSince (text: string, now: number): number {
  const since = parseTime(text, now)
  if (since < now - stripeRetentionMs) {
    throw new UsageError(`--since ${text} reaches back further than Stripe keeps events (30 days); use --since 30d at the most`)
  }
  return since
}

function plural (count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/** Runs `reconcile` with the arguments after the command name; returns the exit code. */
export async function runReconcileCommand (argv: string[], io: ReconcileIo): Promise<number> {
  const err = io.err ?? io.out
  const now = (io.now ?? Date.now)()
  return await runCommand(reconcileUsage, { out: io.out, err }, async () => {
    const { values } = parseArgs({
      args: argv,
      options: { since: { type: 'string' }, type: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }
    })
    if (values.help === true) {
      io.out(reconcileUsage)
      return 0
    }
    const since = parseSince(values.since ?? '72h', now)
    const settings = readSettings({ env: io.env })
    const key = settings.STRIPE_SECRET_KEY
    if (key === undefined) throw new UsageError('Set STRIPE_SECRET_KEY to a key that can read events (sk_test_... for test mode)')
    if (storeKind(settings) === 'none') throw new UsageError('EVENT_STORE=none: there is no event store to reconcile')
    // A mistyped DATA_DIR must not quietly fill a new store that no service reads.
    const store = await openNamedStore(settings, err) as HealthTrackedStore
    try {
      const dryRun = values['dry-run'] === true
      const counts = await reconcileEvents(store, createStripeClient(key, settings, 2), {
        since,
        types: values.type,
        dryRun,
        livemode: settings.LIVEMODE,
        backOff: { retries: 5, baseDelayMs: 1000, maxDelayMs: 60_000, onRateLimited: (waitMs) => err(`Stripe answered 429 (rate limited); retrying in ${Math.ceil(waitMs / 1000)} s`) }
      })
      io.out(`Listed ${plural(counts.listed, 'event')} created since ${new Date(since).toISOString()}: ` +
        `${counts.alreadyStored} already stored, ${counts.storedNow} ${dryRun ? 'would be stored (dry run: nothing stored)' : 'stored now'}.`)
      if (counts.storedIds.length > 0) io.out(`${dryRun ? 'Would store' : 'Stored'}: ${counts.storedIds.join(', ')}`)
      if (!dryRun && counts.storedNow > 0) io.out('A running service hands them to their handlers at its next poll.')
      return 0
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error
      // A connection that failed is not a refusal: name where it was going, so a wrong STRIPE_API_HOST shows.
      err(error instanceof Stripe.errors.StripeConnectionError
        ? `Could not reach the Stripe API at ${settings.STRIPE_API_HOST ?? 'api.stripe.com'}: ${redactCredentials(error.message)}`
        : `The Stripe API refused: ${redactCredentials(error.message)}`)
      return 1
    } finally {
      await store.close()
    }
  })
}
