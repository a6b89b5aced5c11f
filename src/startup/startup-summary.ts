// The one line start-up writes once it listens: what this process runs, so an operator reading the
// log of a misbehaving deployment sees its configuration without the environment.
import { deliveryMode, opsPort, storeKind, type Config } from '../../config/resolved-settings.js'
import { LOCAL_DEVELOPMENT_SECRET } from '../../config/settings.js'
import { storeLocation } from '../store/open-event-store.js'

export interface StartupSummary {
  fields: Record<string, unknown>
  message: string
}

/**
 * The summary for a server listening at `address` (e.g. http://0.0.0.0:4242) with `handlerCount`
 * handler files: webhook paths, store kind and location, number of secrets, processing mode, LIVEMODE.
 */
export function startupSummary (settings: Config, address: string, handlerCount: number): StartupSummary {
  const store = storeKind(settings)
  const location = storeLocation(settings)
  const secrets = settings.webhookSecrets.length
  const mode = deliveryMode(settings)
  const metricsPort = opsPort(settings)
  const developmentSecret = settings.webhookSecrets.includes(LOCAL_DEVELOPMENT_SECRET)
  const fields = {
    address,
    webhookPaths: [settings.WEBHOOK_PATH, settings.THIN_WEBHOOK_PATH],
    store,
    storeLocation: location,
    secrets,
    processingMode: mode,
    livemode: settings.LIVEMODE,
    handlers: handlerCount,
    metricsPort: metricsPort ?? null
  }
  const message = `Taking Stripe events at ${address}: POST ${settings.WEBHOOK_PATH} (snapshot) and ${settings.THIN_WEBHOOK_PATH} (thin); ` +
    `store ${store} at ${location}; ${secrets} signing secret${secrets === 1 ? '' : 's'}${developmentSecret ? ' (the local development one)' : ''}; ` +
    `${mode} processing; LIVEMODE ${settings.LIVEMODE}; ${handlerCount} handler file${handlerCount === 1 ? '' : 's'}` +
    (metricsPort === undefined ? '' : `; metrics on port ${metricsPort}`)
  return { fields, message }
}
