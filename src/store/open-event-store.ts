// Picks the event store the settings ask for: PostgreSQL when DATABASE_URL is set, else the
// embedded SQLite file, or none at all.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { storeKind } from '../../config/resolved-settings.js'
import type { Settings } from '../../config/settings.js'
import { InvalidSettingError, StoreNotFoundError } from '../errors.js'
import { openPostgresClient } from './postgres-client.js'
import { createSqlEventStore } from './sql-event-store.js'
import { openSqliteClient, type SqliteLog } from './sqlite-client.js'
import { trackStoreHealth, type HealthTrackedStore } from './store-health.js'
import type { FlushHold } from './write-batcher.js'
import { redactCredentials } from '../logging/redact-credentials.js'

/** Where events are kept: the SQLite file, the PostgreSQL URL without its password, or nowhere. */
export function storeLocation (settings: Settings): string {
  switch (storeKind(settings)) {
    case 'sqlite': return resolve(settings.DATA_DIR, 'events.sqlite')
    case 'postgres': return redactCredentials(settings.DATABASE_URL ?? '')
    case 'none': return 'nowhere (EVENT_STORE=none)'
  }
}

/**
 * The store the settings name, not yet migrated; null when EVENT_STORE=none. PostgreSQL's pool
 * connects on its first query, so this succeeds while the database is down. Its operations throw
 * StoreUnavailableError when the database fails them. `log` hears of a SQLite file created at start
 * or lost while running. `commitHold` puts SQLite's commits off while the HTTP server accepts
 * connections (accept-hold.ts); PostgreSQL's commits do not hold the event loop, and ignore it.
 */
export function createEventStore (settings: Settings, log?: SqliteLog, commitHold?: FlushHold): HealthTrackedStore | null {
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
  return trackStoreHealth(createSqlEventStore(client, kind === 'sqlite' ? commitHold : undefined))
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

/**
 * The store the settings name, only if it exists already (the operator's commands): a missing
 * SQLite file, or a file or PostgreSQL database without the event tables, is refused with
 * StoreNotFoundError naming where it looked, and nothing is created. An existing store of an older
 * schema is brought up to date, as the service would at start. Null when EVENT_STORE=none; throws
 * StoreUnavailableError when the database cannot be reached.
 */
export async function openExistingEventStore (settings: Settings): Promise<HealthTrackedStore | null> {
  const kind = storeKind(settings)
  const where = storeLocation(settings)
  const setting = kind === 'postgres' ? 'DATABASE_URL' : 'DATA_DIR'
  // Checked before opening: opening a SQLite file creates it.
  if (kind === 'sqlite' && !existsSync(where)) throw new StoreNotFoundError(where, 'no such file', setting)
  const store = createEventStore(settings)
  if (store === null) return null
  try {
    if (!(await store.exists())) throw new StoreNotFoundError(where, 'it holds no stripe_events table', setting)
    await store.migrate()
  } catch (error) {
    await store.close().catch(() => {})
    throw error
  }
  return store
}
