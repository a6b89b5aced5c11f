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
 * The store the settings name, not yet migrated; null when EVENT_STORE=none. PostgreSQL's pool
 * connects on its first query, so this succeeds while the database is down. Its operations throw
 * StoreUnavailableError when the database fails them. `log` hears of a SQLite file created at start
 * or lost while running.
 */
export function createEventStore (settings: Settings, log?: SqliteLog): HealthTrackedStore | null {
  const kind = storeKind(settings)
  if (kind === 'none') return null
  if (kind === 'postgres' && settings.DATABASE_URL === undefined) {
    throw new InvalidSettingError('EVENT_STORE=postgres needs DATABASE_URL, e.g. postgres://user:password@db:5432/stripe_events')
  }
  const client = kind === 'postgres'
    ? openPostgresClient(settings.DATABASE_URL as string, {
      connectMs: settings.DATABASE_CONNECT_TIMEOUT_MS,
      statementMs: settings.DATABASE_STATEMENT_TIMEOUT_MS
    })
    : openSqliteClient(resolve(settings.DATA_DIR, 'events.sqlite'), { lockTimeoutMs: settings.SQLITE_LOCK_TIMEOUT_MS, synchronous: settings.SQLITE_SYNCHRONOUS, log })
  return trackStoreHealth(createSqlEventStore(client))
}

/** The store, migrated and ready; null when EVENT_STORE=none. Throws StoreUnavailableError when it cannot be opened. */
export async function openEventStore (settings: Settings, log?: SqliteLog): Promise<HealthTrackedStore | null> {
  const store = createEventStore(settings, log)
  if (store === null) return null
  try {
    await store.migrate()
  } catch (error) {
    await store.close().catch(() => {})
    throw error
  }
  return store
}
