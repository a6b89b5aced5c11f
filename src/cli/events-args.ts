// The words of `npm run events -- ...`: the usage text, and the options read into a filter. Every
// mistake is a UsageError, found before any store is opened.
import { parseArgs } from 'node:util'
import type { EventFilter, EventStatus } from '../store/event-store.js'
import { eventStatuses } from '../store/event-store.js'
import { parseDuration } from '../time/durations.js'
import { UsageError } from './run-command.js'

/** The help text: printed on stdout for --help, and on stderr after a usage error. */
export const usage = `Usage: npm run events -- <command> [options]

Commands:
  list                     Events, newest first.
    --status <status>      pending, processing, handled, unhandled, ignored, failed or superseded
    --type <event.type>    e.g. payment_intent.succeeded
    --object <id>          one Stripe object's events (e.g. sub_...), in Stripe's created order
    --since <time>         an ISO date (2026-11-01T00:00:00Z) or an age (30m, 24h, 7d)
    --until <time>         likewise
    --limit <n>            at most n events (default 50); stderr says when more match
    --json                 one JSON object per line (absent times are null)
  show <id>                One event: its fields, attempts and deliveries (--payload adds the body,
                           --json prints it as JSON).
  replay <id>...           Hand events to their handlers again. Events never handled (failed,
                           unhandled, pending) are replayed as they are; handled, ignored and
                           superseded events only with --force. Attempt numbers go on.
  replay --failed          Every failed event.
  replay --type <t> --since <time> [--status <s>] [--force]
                           Events of a type received since a time.
    --json                 one {"id", "outcome"} per line; outcome is requeued, unknown, leased,
                           handled, ignored or superseded
  stats                    How many events are in each status (--json: one object).
  reconcile [--since 72h] [--type <t>]... [--dry-run]
                           Store the events Stripe lists that the store lacks (see reconcile --help).
  prune --older-than <age> [--dry-run]
                           Delete handled, unhandled, ignored and superseded events older than the
                           age; failed ones stay. --dry-run counts what would go, by status, and deletes nothing.

The store named by the settings (DATABASE_URL, DATA_DIR, EVENT_STORE, as for the service) must
exist: the commands never create one. The store opened is named on stderr; results go to stdout,
errors to stderr.

Exit codes:
  0  done
  1  failed: no store where the settings point, the store cannot be reached, a setting is invalid,
     or the event asked for is not stored
  2  usage: the command's words are wrong (this text follows the error)
  3  replay: some events were not requeued (each one's reason is printed)`

export interface EventsArgs {
  command: string | undefined
  /** The positionals after the command: event ids. */
  ids: string[]
  filter: EventFilter
  help: boolean
  json: boolean
  payload: boolean
  failed: boolean
  force: boolean
  dryRun: boolean
  limit: string | undefined
  olderThan: string | undefined
  /** The time the command runs at, in milliseconds: ages count back from it. */
  now: number
}

/** `text` as milliseconds since the epoch: an ISO date, or an age (`30m`, `24h`, `7d`) before `now`. Throws UsageError otherwise. */
export function parseTime (text: string, now: number): number {
  const age = parseDuration(text)
  const time = age === null ? Date.parse(text) : now - age
  if (Number.isNaN(time)) throw new UsageError(`"${text}" is neither an ISO date nor an age such as 24h or 7d`)
  return time
}

function parseStatus (text: string | undefined): EventStatus | undefined {
  if (text === undefined) return undefined
  if (!eventStatuses.includes(text as EventStatus)) {
    throw new UsageError(`--status must be one of ${eventStatuses.join(', ')}, not "${text}"`)
  }
  return text as EventStatus
}

/** Reads `argv` (the words after `npm run events --`) at time `now`; throws UsageError for an unknown option or a malformed value. */
export function parseEventsArgs (argv: string[], now: number): EventsArgs {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        status: { type: 'string' },
        type: { type: 'string' },
        object: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        payload: { type: 'boolean' },
        failed: { type: 'boolean' },
        force: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'older-than': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  const [command, ...ids] = positionals
  return {
    command,
    ids,
    filter: {
      status: parseStatus(values.status),
      type: values.type,
      objectId: values.object,
      since: values.since === undefined ? undefined : parseTime(values.since, now),
      until: values.until === undefined ? undefined : parseTime(values.until, now)
    },
    help: values.help === true,
    json: values.json === true,
    payload: values.payload === true,
    failed: values.failed === true,
    force: values.force === true,
    dryRun: values['dry-run'] === true,
    limit: values.limit,
    olderThan: values['older-than'],
    now
  }
}
