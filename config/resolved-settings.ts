// What the settings mean, decided once each: values derived from the validated settings, computed
// here and never written back onto them, so every reader (the app, the server, the commands)
// decides the store, the delivery mode, the ops port and the handlers folder by the same rule.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Settings } from './settings.js'
import { webhookSecrets } from './webhook-secrets.js'

/** What the app derives from its settings at start-up. */
export interface ResolvedSettings {
  /** STRIPE_WEBHOOK_SECRET split into its secrets, or the local development secret. */
  webhookSecrets: string[]
}

/** The settings as they reach the app's code through `fastify.config`: validated, then resolved. */
export type Config = Settings & ResolvedSettings

/** The service's Config: throws InvalidSettingError when no signing secret is usable (see webhookSecrets). */
export function resolveSettings (settings: Settings): Config {
  return { ...settings, webhookSecrets: webhookSecrets(settings, { required: true }) }
}

export type StoreKind = 'sqlite' | 'postgres' | 'none'

/** The event store: EVENT_STORE when set, else PostgreSQL when DATABASE_URL is set, else SQLite. */
export function storeKind (settings: Pick<Settings, 'EVENT_STORE' | 'DATABASE_URL'>): StoreKind {
  return settings.EVENT_STORE ?? (settings.DATABASE_URL === undefined ? 'sqlite' : 'postgres')
}

export type DeliveryMode = Settings['PROCESSING_MODE']

/**
 * When a delivery's handler runs: `queued` (after the answer, by the workers) or `inline` (before
 * the answer). PROCESSING_MODE, except that with no store (EVENT_STORE=none) there is no queue and
 * handlers always run inline.
 */
export function deliveryMode (settings: Pick<Settings, 'EVENT_STORE' | 'DATABASE_URL' | 'PROCESSING_MODE'>): DeliveryMode {
  return storeKind(settings) === 'none' ? 'inline' : settings.PROCESSING_MODE
}

/**
 * The port of a listener of its own for /metrics, /healthz and /readyz (METRICS_PORT), or undefined
 * when they are served beside the webhook.
 */
export function opsPort (settings: Pick<Settings, 'METRICS_PORT'>): number | undefined {
  return settings.METRICS_PORT
}

/** The handlers/ folder the service was built with: beside config/, in the sources and in dist/. */
export const builtInHandlersDir = fileURLToPath(new URL('../handlers/', import.meta.url))

/**
 * The folder of handler files: HANDLERS_DIR when set (relative to the working directory), else
 * `handlers/` in `projectRoot` (a command's project folder), else the built-in handlers/.
 */
export function handlersDirOf (settings: Pick<Settings, 'HANDLERS_DIR'>, projectRoot?: string): string {
  return settings.HANDLERS_DIR ?? (projectRoot === undefined ? builtInHandlersDir : join(projectRoot, 'handlers'))
}
