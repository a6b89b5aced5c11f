// The operator's commands over the event store: list, show, replay, prune. They read the same
// settings as the service, so they open the same store; replays are picked up by the running
// service's workers and follow the same once-only rule unless forced.
import { parseArgs } from 'node:util'
import Fastify from 'fastify'
import config from '../../plugins/config.js'
import type { EventFilter, EventStatus, EventStore, StoredEvent } from '../store/event-store.js'
import { eventStatuses } from '../store/event-store.js'
import { openEventStore } from '../store/open-event-store.js'
import { UsageError } from './usage-error.js'
import { runReconcileCommand } from '../reconcile/reconcile-command.js'

export interface CommandIo {
  env: Record<string, string | undefined>
  out: (line: string) => void
  /** Error lines (stderr); `out` when absent. */
  err?: (line: string) => void
  now?: () => number
}

export const usage = `Usage: npm run events -- <command> [options]

Commands:
  list                     Events, newest first.
    --status <status>      pending, processing, handled, unhandled, ignored or failed
    --type <event.type>    e.g. payment_intent.succeeded
    --since <time>         an ISO date (2026-11-01T00:00:00Z) or an age (30m, 24h, 7d)
    --until <time>         likewise
    --limit <n>            at most n events (default 50)
    --json                 one JSON object per line
  show <id>                One event with its attempts and last error (--payload prints the body).
  replay <id>...           Hand events to the handlers again; handled events only with --force.
  replay --failed          Every failed event.
  replay --type <t> --since <time> [--status <s>] [--force]
                           Events of a type received since a time.
  stats                    How many events are in each status.
  reconcile [--since 72h] [--type <t>]... [--dry-run]
                           Store the events Stripe lists that the store lacks (see reconcile --help).
  prune --older-than <age> Delete handled, unhandled and ignored events older than the age; failed ones stay.

Settings come from the environment, as for the service (DATABASE_URL, DATA_DIR, EVENT_STORE).`

const ageUnits: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

export function parseTime (text: string, now: number): number {
  const age = /^(\d+)([smhd])$/.exec(text)
  if (age !== null) return now - Number(age[1]) * (ageUnits[age[2] as string] as number)
  const time = Date.parse(text)
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

function iso (ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString()
}

function summary (event: StoredEvent): Record<string, unknown> {
  return {
    id: event.id,
    type: event.type,
    status: event.status,
    attempts: event.attempts,
    receivedAt: iso(event.receivedAt),
    handledAt: iso(event.handledAt),
    livemode: event.livemode,
    account: event.account,
    apiVersion: event.apiVersion,
    lastError: event.lastError
  }
}

function printTable (events: StoredEvent[], out: CommandIo['out']): void {
  if (events.length === 0) {
    out('No events match.')
    return
  }
  out(['RECEIVED'.padEnd(24), 'STATUS'.padEnd(10), 'TRIES', 'TYPE'.padEnd(36), 'ID'].join(' '))
  for (const event of events) {
    out([iso(event.receivedAt).padEnd(24), event.status.padEnd(10), String(event.attempts).padStart(5), event.type.padEnd(36), event.id].join(' '))
  }
}

async function openStore (env: CommandIo['env']): Promise<{ store: EventStore, close: () => Promise<void> }> {
  const settingsReader = Fastify({ logger: false })
  await settingsReader.register(config, { env, secretOptional: true })
  await settingsReader.ready()
  const store = await openEventStore(settingsReader.config)
  await settingsReader.close()
  if (store === null) throw new UsageError('EVENT_STORE=none: there is no event store to read')
  return { store, close: store.close }
}

/** Runs one command; returns the process exit code. */
export async function runEventsCommand (argv: string[], io: CommandIo): Promise<number> {
  if (argv[0] === 'reconcile') return await runReconcileCommand(argv.slice(1), io)
  const now = (io.now ?? Date.now)()
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        status: { type: 'string' },
        type: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        payload: { type: 'boolean' },
        failed: { type: 'boolean' },
        force: { type: 'boolean' },
        'older-than': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (error) {
    io.out(`${(error as Error).message}\n\n${usage}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, ...ids] = positionals
  if (values.help === true || command === undefined) {
    io.out(usage)
    return command === undefined && values.help !== true ? 2 : 0
  }

  let opened: Awaited<ReturnType<typeof openStore>> | undefined
  try {
    const filter: EventFilter = {
      status: parseStatus(values.status),
      type: values.type,
      since: values.since === undefined ? undefined : parseTime(values.since, now),
      until: values.until === undefined ? undefined : parseTime(values.until, now)
    }
    const commands: Record<string, (store: EventStore) => Promise<number>> = {
      list: async (store) => {
        const limit = values.limit === undefined ? 50 : Number(values.limit)
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number of at least 1')
        const events = await store.list({ ...filter, limit })
        if (values.json === true) events.forEach((event) => io.out(JSON.stringify(summary(event))))
        else printTable(events, io.out)
        return 0
      },
      show: async (store) => {
        const [id] = ids
        if (id === undefined) throw new UsageError('show needs an event id: npm run events -- show evt_...')
        const event = await store.get(id)
        if (event === null) {
          io.out(`No event ${id} is stored.`)
          return 1
        }
        const attempts = await store.attempts(id)
        io.out(JSON.stringify({
          ...summary(event),
          created: iso(event.created * 1000),
          nextAttemptAt: event.status === 'pending' ? iso(event.nextAttemptAt) : null,
          attemptHistory: attempts.map((attempt) => ({ ...attempt, startedAt: iso(attempt.startedAt), finishedAt: iso(attempt.finishedAt) })),
          ...(values.payload === true ? { payload: JSON.parse(event.payload.toString('utf8')) as unknown } : {})
        }, null, 2))
        return 0
      },
      replay: async (store) => {
        const force = values.force === true
        let selection: EventFilter
        if (ids.length > 0) selection = { ids }
        else if (values.failed === true) selection = { ...filter, status: 'failed' }
        else if (filter.type !== undefined && filter.since !== undefined) selection = filter
        else throw new UsageError('replay needs event ids, --failed, or --type with --since')
        const requeued = await store.requeue(selection, force, now)
        io.out(`Requeued ${requeued.length} event${requeued.length === 1 ? '' : 's'}${requeued.length > 0 ? `: ${requeued.join(', ')}` : ''}.`)
        if (ids.length > requeued.length) {
          const skipped = ids.filter((id) => !requeued.includes(id))
          io.out(`Not requeued (unknown, being handled, or already handled without --force): ${skipped.join(', ')}`)
        }
        if (requeued.length > 0) io.out('A running service hands them to their handlers at its next poll.')
        return 0
      },
      stats: async (store) => {
        const counts = await store.countByStatus()
        if (values.json === true) io.out(JSON.stringify(counts))
        else eventStatuses.forEach((status) => io.out(`${status.padEnd(11)} ${counts[status]}`))
        return 0
      },
      prune: async (store) => {
        if (values['older-than'] === undefined) throw new UsageError('prune needs --older-than, e.g. --older-than 30d')
        const pruned = await store.prune(parseTime(values['older-than'], now))
        io.out(`Pruned ${pruned} settled event${pruned === 1 ? '' : 's'}.`)
        return 0
      }
    }
    const run = commands[command]
    if (run === undefined) throw new UsageError(`Unknown command "${command}"`)
    opened = await openStore(io.env)
    return await run(opened.store)
  } catch (error) {
    if (error instanceof UsageError) {
      io.out(`${error.message}\n\n${usage}`)
      return 2
    }
    io.out(`Error: ${(error as Error).message}`)
    return 1
  } finally {
    await opened?.close()
  }
}
