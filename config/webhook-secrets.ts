// The webhook signing secrets: STRIPE_WEBHOOK_SECRET split into its comma-separated secrets, each
// checked, or the local development secret when development runs without one.
import { InvalidSettingError } from '../src/errors.js'
import { describeSetting } from './setting-problems.js'
import { LOCAL_DEVELOPMENT_SECRET, type Settings } from './settings.js'

export interface WebhookSecretsOptions {
  /**
   * Whether a secret must be set: the service verifies deliveries and needs one (NODE_ENV=development
   * aside); the commands send or read events and do not (they get an empty list).
   */
  required: boolean
}

/**
 * The distinct secrets of STRIPE_WEBHOOK_SECRET, in order, trimmed. Unset: the local development
 * secret alone under NODE_ENV=development when required, an empty list when not required.
 * Throws InvalidSettingError when a required secret is missing or an entry is not a `whsec_` secret
 * (naming the entry's position only: the value is a secret).
 */
export function webhookSecrets (settings: Pick<Settings, 'STRIPE_WEBHOOK_SECRET' | 'NODE_ENV'>, options: WebhookSecretsOptions): string[] {
  const raw = settings.STRIPE_WEBHOOK_SECRET?.trim() ?? ''
  if (raw === '') {
    if (!options.required) return []
    if (runsOnDevelopmentSecret(settings)) return [LOCAL_DEVELOPMENT_SECRET]
    throw new InvalidSettingError('STRIPE_WEBHOOK_SECRET is required.' + describeSetting('STRIPE_WEBHOOK_SECRET') +
      ' (Only NODE_ENV=development runs without it, on a local development secret.)')
  }
  const secrets = raw.split(',').map((secret) => secret.trim())
  secrets.forEach((secret, index) => {
    if (!/^whsec_[A-Za-z0-9_]+$/.test(secret)) {
      throw new InvalidSettingError(`STRIPE_WEBHOOK_SECRET entry ${index + 1} of ${secrets.length} is not a webhook ` +
        'signing secret: each must start with whsec_ and hold only letters, digits and underscores, ' +
        'secrets separated by commas.' + describeSetting('STRIPE_WEBHOOK_SECRET'))
    }
  })
  return [...new Set(secrets)]
}

/** Whether the service runs on the local development secret: development, with STRIPE_WEBHOOK_SECRET unset. */
export function runsOnDevelopmentSecret (settings: Pick<Settings, 'STRIPE_WEBHOOK_SECRET' | 'NODE_ENV'>): boolean {
  return settings.NODE_ENV === 'development' && (settings.STRIPE_WEBHOOK_SECRET?.trim() ?? '') === ''
}
