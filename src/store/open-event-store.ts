// Picks the event store the settings ask for: PostgreSQL when DATABASE_URL is set, else the
// embedded SQLite file, or none at all.
import { resolve } from 'node:path'
import type { Settings } from '../../config/settings.js'
import { InvalidSettingError } from '../errors.js'
import { openPostgresClient } from './postgres-client.js'
import { createSqlEventStore } from './sql-event-store.js'
import { openSqliteClient, type SqliteLog } from './sqlite-client.js'
import { trackStoreHealth, type HealthTrackedStore } from './store-health.js'

export type StoreKind = 'sqlite' | 'postgres' | 'none'

export function storeKind (settings: Settings): StoreKind {
  return settings.EVENT_STORE ?? (settings.DATABASE_URL === undefined ? 'sqlite' : 'postgres')
}

/**
 * The store, migrated and ready; null when EVENT_STORE=none. Its operations throw
 * StoreUnavailableError when the database fails them. `log` hears of a SQLite file created at start
 * or lost while running.
 */
export async function openEventStore (settings: Settings, log?: SqliteLog): Promise<HealthTrackedStore | null> {
  const kind = storeKind(settings)
  if (kind === 'none') return null
  if (kind === 'postgres' && settings.DATABASE_URL === undefined) {
    throw new InvalidSettingError('EVENT_STORE=postgres needs DATABASE_URL, e.g. postgres://user:password@db:5432/stripe_events')
  }
  const client = kind === 'postgres'
    ? openPostgresClient(settings.DATABASE_URL as string)
    : openSqliteClient(resolve(settings.DATA_DIR, 'events.sqlite'), { lockTimeoutMs: settings.SQLITE_LOCK_TIMEOUT_MS, synchronous: settings.SQLITE_SYNCHRONOUS, log })
  const store = trackStoreHealth(createSqlEventStore(client))
  try {
    await store.migrate()
  } catch (error) {
    await store.close().catch(() => {})
    throw error
  }
  return store
}
