// What every operator command over the store shares: the service's settings, read the service's
// way, and the store they name, opened only if it exists and named on stderr.
import Fastify from 'fastify'
import config from '../../plugins/config.js'
import type { Settings } from '../../config/settings.js'
import type { EventStore } from '../store/event-store.js'
import { openExistingEventStore, storeKind, storeLocation } from '../store/open-event-store.js'

/**
 * The settings from `env`, with the service's defaults, checks and messages: the config plugin is
 * their one reader, run on a bare instance with no routes that never listens. Throws the plugin's
 * error for an invalid setting.
 */
export async function readSettings (env: Record<string, string | undefined>): Promise<Settings> {
  const settingsReader = Fastify({ logger: false })
  try {
    await settingsReader.register(config, { env, secretOptional: true })
    await settingsReader.ready()
    return settingsReader.config
  } finally {
    await settingsReader.close()
  }
}

/**
 * Opens the existing store the settings name, saying on `err` which one (any password hidden).
 * Throws StoreNotFoundError where no store exists (nothing is created), and for EVENT_STORE=none.
 */
export async function openNamedStore (settings: Settings, err: (line: string) => void): Promise<EventStore> {
  const kind = storeKind(settings)
  if (kind === 'none') throw new Error('EVENT_STORE=none: there is no event store to read')
  err(`Event store: ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ${storeLocation(settings)}`)
  return await openExistingEventStore(settings) as EventStore
}
