// The commands' settings reader: the one reader (config/read-settings.ts), with the signing secrets
// the commands may go without.
import { readSettings as readValidatedSettings } from '../../config/read-settings.js'
import type { Config } from '../../config/resolved-settings.js'
import { webhookSecrets } from '../../config/webhook-secrets.js'

/** The settings in `env` (with `.env` beneath it when `env` is `process.env`); `webhookSecrets` empty when none is set. */
export async function readSettings (env: Record<string, string | undefined>): Promise<Config> {
  const settings = readValidatedSettings({ env })
  return { ...settings, webhookSecrets: webhookSecrets(settings, { required: false }) }
}
