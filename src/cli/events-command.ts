// `npm run events -- <command>`: picks the command its first word names and runs it through the
// one command runner. The commands read the same settings as the service, so they open the same
// store, and only a store that exists: an empty one created by a mistyped DATA_DIR would answer
// "No events match." for months of events. Replays are picked up by the running service's workers.
import { runReconcileCommand } from '../reconcile/reconcile-command.js'
import { parseEventsArgs, usage } from './events-args.js'
import { openEventsStoreSession } from './events-store-session.js'
import { eventsSubcommands, exitCodes } from './events-subcommands.js'
import { runCommand, UsageError } from './run-command.js'

export interface CommandIo {
  env: Record<string, string | undefined>
  /** Results: tables, JSON lines, counts. */
  out: (line: string) => void
  /** Everything else: the store opened, errors, the usage after a usage error. */
  err: (line: string) => void
  now?: () => number
}

/**
 * Runs one events command (`argv`: the words after `npm run events --`); resolves to the exit code:
 * 0 done, 1 failed (store missing or unreachable, bad setting, event not stored), 2 usage error,
 * 3 some events not replayed. Never throws.
 */
export async function runEventsCommand (argv: string[], io: CommandIo): Promise<number> {
  if (argv[0] === 'reconcile') return await runReconcileCommand(argv.slice(1), io)
  const session = openEventsStoreSession(io.env, io.err)
  try {
    return await runCommand(usage, io, async () => {
      const args = parseEventsArgs(argv, (io.now ?? Date.now)())
      if (args.help) {
        io.out(usage)
        return exitCodes.ok
      }
      if (args.command === undefined) throw new UsageError('Which command?')
      const run = eventsSubcommands[args.command]
      if (run === undefined) throw new UsageError(`Unknown command "${args.command}"`)
      return await run({ args, settings: session.settings, store: session.store, out: io.out, err: io.err })
    })
  } finally {
    await session.close()
  }
}
