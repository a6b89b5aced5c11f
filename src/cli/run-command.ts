// The one way every command (events, reconcile, trigger, endpoints, new-handler) runs and fails:
// a mistake in how it was called prints the usage, anything else that goes wrong is one line.
import { StoreUnavailableError } from '../errors.js'
import { redactCredentials } from '../logging/redact-credentials.js'
import { describeStoreError } from '../store/store-health.js'

/** A mistake in how a command was called: printed with the usage, exit code 2, no stack trace. */
export class UsageError extends Error {}

/** Exit codes every command shares; a command may add its own above them (events replay's 3). */
export const commandExitCodes = { ok: 0, failed: 1, usage: 2 } as const

export interface CommandOutput {
  /** Results. */
  out: (line: string) => void
  /** Errors, and the usage after a usage error; `out` when absent. */
  err?: (line: string) => void
}

function isUsageError (error: unknown): boolean {
  return error instanceof UsageError || (error as { code?: string } | null)?.code?.startsWith('ERR_PARSE_ARGS') === true
}

// A store fault reaches the operator as its cause (`ECONNREFUSED ...`), not as the 503 text a
// delivery gets; nothing printed may hold a password or a key.
function describeFailure (error: unknown): string {
  const message = error instanceof StoreUnavailableError
    ? describeStoreError(error.cause ?? error)
    : error instanceof Error ? error.message : String(error)
  return redactCredentials(message)
}

/**
 * Runs a command body and resolves to its exit code; never throws. A UsageError, or an option
 * node's parseArgs refuses, is printed on `err` followed by a blank line and `usage`: exit 2.
 * Any other error (a malformed setting, a store that cannot be reached, a bug) is one line,
 * `Error: <what went wrong>`, on `err`: exit 1.
 */
export async function runCommand (usage: string, io: CommandOutput, run: () => Promise<number>): Promise<number> {
  const err = io.err ?? io.out
  try {
    return await run()
  } catch (error) {
    if (isUsageError(error)) {
      err(`${(error as Error).message}\n\n${usage}`)
      return commandExitCodes.usage
    }
    err(`Error: ${describeFailure(error)}`)
    return commandExitCodes.failed
  }
}
