// The store an operator command works on: the one the service's settings name, opened only if it
// exists, and named on stderr.
import type { Settings } from '../../config/settings.js'
import type { EventStore } from '../store/event-store.js'
import { storeKind } from '../../config/resolved-settings.js'
import { openExistingEventStore, storeLocation } from '../store/open-event-store.js'

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
