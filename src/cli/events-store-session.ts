// What one events command works on: the settings, read once and only when asked for, and the
// existing store they name, opened once on first use and closed when the command ends. A command
// that fails on its own words therefore never reads a setting nor touches a store.
import { readSettings } from '../../config/read-settings.js'
import type { Settings } from '../../config/settings.js'
import type { EventStore } from '../store/event-store.js'
import { openNamedStore } from './command-store.js'

export interface EventsStoreSession {
  /** The settings, read on first call (throws InvalidSettingError naming a malformed one). */
  settings: () => Settings
  /** The existing store the settings name, opened (and named on `err`) on first call. */
  store: () => Promise<EventStore>
  /** Closes the store if it was opened; never throws. */
  close: () => Promise<void>
}

/** A session over the settings in `env` (with .env beneath it when `env` is `process.env`). */
export function openEventsStoreSession (env: Record<string, string | undefined>, err: (line: string) => void): EventsStoreSession {
  let settings: Settings | undefined
  let opened: Promise<EventStore> | undefined
  const readOnce = (): Settings => (settings ??= readSettings({ env }))
  return {
    settings: readOnce,
    store: async () => await (opened ??= openNamedStore(readOnce(), err)),
    close: async () => { await opened?.then(async (store) => { await store.close() }, () => {}) }
  }
}
