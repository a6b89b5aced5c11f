/** A mistake in how a command was called: printed with the usage, exit code 2, no stack trace. */
export class UsageError extends Error {}

/**
 * Runs a command; a UsageError or an option node's parseArgs refuses is printed with the usage and
 * exits 2. A malformed setting (INVALID_SETTING, from the environment or .env) is printed as the
 * server would log it, exit 1. Anything else is a real failure and propagates.
 */
export async function runWithUsage (usage: string, out: (line: string) => void, run: () => Promise<number>): Promise<number> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      out(`${(error as Error).message}\n\n${usage}`)
      return 2
    }
    if ((error as { code?: string }).code === 'INVALID_SETTING') {
      out((error as Error).message)
      return 1
    }
    throw error
  }
}
