// Settings that are each valid but contradict one another: the service starts (one of them wins, as
// documented) and says at start-up which one it ignored, instead of leaving the operator to guess.
import type { Settings } from './settings.js'

/** One warning per contradiction found, each naming both settings and which one wins; empty when none. */
export function settingConflicts (settings: Settings): string[] {
  const warnings: string[] = []
  if (settings.DATABASE_URL !== undefined && (settings.EVENT_STORE === 'sqlite' || settings.EVENT_STORE === 'none')) {
    const where = settings.EVENT_STORE === 'sqlite' ? `in SQLite under DATA_DIR (${settings.DATA_DIR})` : 'nowhere'
    warnings.push(`DATABASE_URL is set but EVENT_STORE=${settings.EVENT_STORE}: events are stored ${where} and DATABASE_URL is ignored; ` +
      'unset EVENT_STORE (or set it to postgres) to use PostgreSQL, or unset DATABASE_URL')
  }
  const keyMode = /^[sr]k_(live|test)_/.exec(settings.STRIPE_SECRET_KEY ?? '')?.[1]
  if (keyMode !== undefined && settings.LIVEMODE !== 'any' && keyMode !== settings.LIVEMODE) {
    // The key's mode only, never the key.
    warnings.push(`LIVEMODE=${settings.LIVEMODE} but STRIPE_SECRET_KEY is a ${keyMode}-mode key: thin-event fetches and ` +
      `npm run endpoints will reach ${keyMode} mode while only ${settings.LIVEMODE}-mode events are handled; use a key of the same mode`)
  }
  if (settings.RETRY_BASE_DELAY_MS > settings.RETRY_MAX_DELAY_MS) {
    warnings.push(`RETRY_BASE_DELAY_MS (${settings.RETRY_BASE_DELAY_MS}) is longer than RETRY_MAX_DELAY_MS (${settings.RETRY_MAX_DELAY_MS}): ` +
      'every retry waits RETRY_MAX_DELAY_MS; lower RETRY_BASE_DELAY_MS or raise RETRY_MAX_DELAY_MS')
  }
  return warnings
}
