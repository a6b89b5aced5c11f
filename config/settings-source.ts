// Where the settings come from: the process environment, over a `.env` file in the working directory.
// The one place that decides whether a `.env` is read, so the server and every command read it alike.

/** The `.env` file of the working directory, as Stripe's samples and `stripe listen` users keep one. */
export const DOTENV_FILE = '.env'

/**
 * The `.env` file to read beneath `env`: `.env` (in the working directory) when `env` is the
 * process's own environment, none when the settings are given as data (tests), so a developer's
 * `.env` never leaks into them.
 */
export function dotenvFileFor (env: Record<string, string | undefined>): string | false {
  return env === process.env ? DOTENV_FILE : false
}
