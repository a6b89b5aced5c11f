// The operator's commands over the event store: list, show, replay, prune. They read the same
// settings as the service, so they open the same store, and only a store that exists: an empty one
// created by a mistyped DATA_DIR would answer "No events match." for months of events. Replays are
// picked up by the running service's workers and follow the same once-only rule unless forced.
import type { Settings } from '../../config/settings.js'
import { StoreUnavailableError } from '../errors.js'
import { redactCredentials } from '../logging/redact-credentials.js'
import type { EventStore } from '../store/event-store.js'
import { describeStoreError } from '../store/store-health.js'
import { parseEventsArgs, usage } from './events-args.js'
import { eventsSubcommands, exitCodes } from './events-subcommands.js'
import { UsageError } from './run-command.js'
import { openNamedStore } from './command-store.js'
import { readSettings } from './read-settings.js'
import { runReconcileCommand } from '../reconcile/reconcile-command.js'

export { parseTime, usage } from './events-args.js'

export interface CommandIo {
  env: Record<string, string | undefined>
  /** Results: tables, JSON lines, counts. */
  out: (line: string) => void
  /** Everything else: the store opened, errors, the usage after a usage error. */
  err: (line: string) => void
  now?: () => number
}

// A store fault reaches the operator as its cause (`ECONNREFUSED ...`), not as the 503 text a
// delivery gets; nothing printed may hold a password.
function describeFailure (error: unknown): string {
  const cause = error instanceof StoreUnavailableError ? describeStoreError(error.cause ?? error) : (error as Error).message
  return redactCredentials(cause)
}

/**
 * Runs one events command (`argv`: the words after `npm run events --`); resolves to the exit code:
 * 0 done, 1 failed (store missing or unreachable, bad setting, event not stored), 2 usage error,
 * 3 some events not replayed. Never throws.
 */
export async function runEventsCommand (argv: string[], io: CommandIo): Promise<number> {
  if (argv[0] === 'reconcile') return await runReconcileCommand(argv.slice(1), io)
  let opened: Promise<EventStore> | undefined
  try {
    const args = parseEventsArgs(argv, (io.now ?? Date.now)())
    if (args.help) {
      io.out(usage)
      return exitCodes.ok
    }
    if (args.command === undefined) throw new UsageError('Which command?')
    const run = eventsSubcommands[args.command]
    if (run === undefined) throw new UsageError(`Unknown command "${args.command}"`)
    let settings: Promise<Settings> | undefined
    const readOnce = async (): Promise<Settings> => await (settings ??= readSettings(io.env))
    return await run({
      args,
      settings: readOnce,
      store: async () => await (opened ??= readOnce().then(async (read) => await openNamedStore(read, io.err))),
      out: io.out,
      err: io.err
    })
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${usage}`)
      return exitCodes.usage
    }
    io.err(`Error: ${describeFailure(error)}`)
    return exitCodes.failed
  } finally {
    await opened?.then(async (store) => { await store.close() }, () => {})
  }
}
