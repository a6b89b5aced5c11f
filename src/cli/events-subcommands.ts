// The events commands, one function each. A command checks its own words first (a UsageError) and
// only then opens the store, so a mistyped command never touches one. To add a command: write its
// function here and name it in `eventsSubcommands`, and its line in the usage text.
import type { Settings } from '../../config/settings.js'
import type { EventFilter, EventStore } from '../store/event-store.js'
import { eventStatuses } from '../store/event-store.js'
import { parseTime, type EventsArgs } from './events-args.js'
import { allDeliveries, eventDetails, eventDetailsJson, eventJson, eventTable, pruneForecast, replayReport } from './events-format.js'
import { commandExitCodes, UsageError } from './run-command.js'

export interface SubcommandContext {
  args: EventsArgs
  /** The settings, read once, on first call. */
  settings: () => Settings
  /** The existing store the settings name, opened (and named on stderr) on first call. */
  store: () => Promise<EventStore>
  /** Results. */
  out: (line: string) => void
  /** Messages about the run rather than its results: what was not found. */
  err: (line: string) => void
}

/** Runs one command; resolves to the process's exit code (see the usage text). */
export type Subcommand = (context: SubcommandContext) => Promise<number>

/** Exit codes, as the usage text and README document them: every command's, and replay's own. */
export const exitCodes = { ...commandExitCodes, notAllRequeued: 3 } as const

async function list ({ args, store, out, err }: SubcommandContext): Promise<number> {
  const limit = args.limit === undefined ? 50 : Number(args.limit)
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number of at least 1')
  // One more than shown says whether the list was cut, which a reader must not have to guess.
  const events = await (await store()).list({ ...args.filter, limit: limit + 1 })
  const shownEvents = events.slice(0, limit)
  if (args.json) shownEvents.forEach((event) => out(JSON.stringify(eventJson(event))))
  else eventTable(shownEvents, args.filter.objectId !== undefined).forEach(out)
  if (events.length > limit) err(`Only the first ${limit} matching event${limit === 1 ? ' is' : 's are'} shown; more match (--limit, --since, --until to see them).`)
  return exitCodes.ok
}

async function show ({ args, store, out, err }: SubcommandContext): Promise<number> {
  const [id] = args.ids
  if (id === undefined) throw new UsageError('show needs an event id: npm run events -- show evt_...')
  const opened = await store()
  const event = await opened.get(id)
  if (event === null) {
    err(`No event ${id} is stored.`)
    return exitCodes.failed
  }
  const attempts = await opened.attempts(id)
  const deliveries = allDeliveries(event, await opened.deliveries(id))
  const payload = args.payload ? JSON.parse(event.payload.toString('utf8')) as unknown : undefined
  if (args.json) {
    out(JSON.stringify({ ...eventDetailsJson(event, attempts, deliveries), ...(args.payload ? { payload } : {}) }, null, 2))
  } else {
    eventDetails(event, attempts, deliveries).forEach(out)
    if (args.payload) out(`\nPayload\n${JSON.stringify(payload, null, 2)}`)
  }
  return exitCodes.ok
}

function replaySelection (args: EventsArgs): EventFilter {
  if (args.ids.length > 0) return { ids: args.ids }
  if (args.failed) return { ...args.filter, status: 'failed' }
  if (args.filter.type !== undefined && args.filter.since !== undefined) return args.filter
  throw new UsageError('replay needs event ids, --failed, or --type with --since')
}

async function replay ({ args, store, out }: SubcommandContext): Promise<number> {
  const selection = replaySelection(args)
  const results = await (await store()).requeue(selection, args.force, args.now)
  if (args.json) results.forEach((result) => out(JSON.stringify(result)))
  else replayReport(results).forEach(out)
  return results.every((result) => result.outcome === 'requeued') ? exitCodes.ok : exitCodes.notAllRequeued
}

async function stats ({ args, store, out }: SubcommandContext): Promise<number> {
  const counts = await (await store()).countByStatus()
  if (args.json) out(JSON.stringify(counts))
  else eventStatuses.forEach((status) => out(`${status.padEnd(11)} ${counts[status]}`))
  return exitCodes.ok
}

async function prune ({ args, store, out }: SubcommandContext): Promise<number> {
  if (args.olderThan === undefined) throw new UsageError('prune needs --older-than, e.g. --older-than 30d')
  const before = parseTime(args.olderThan, args.now)
  const opened = await store()
  if (args.dryRun) {
    out(pruneForecast(await opened.countPrunable(before), before))
    return exitCodes.ok
  }
  const pruned = await opened.prune(before)
  out(`Pruned ${pruned} settled event${pruned === 1 ? '' : 's'}.`)
  return exitCodes.ok
}

/** The events commands by name; `runEventsCommand` looks the first word up here. */
export const eventsSubcommands: Record<string, Subcommand> = { list, show, replay, stats, prune }
