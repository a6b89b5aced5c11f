// Explains a refused start-up in the operator's terms: an OS error names the setting behind it (a
// port in use is PORT or METRICS_PORT, an address that is not this machine's is HOST, a folder that
// cannot be made is DATA_DIR), a store that cannot be opened names DATABASE_URL or DATA_DIR. Anything
// unexpected keeps its stack. No message carries a credential.
import type { Settings } from '../../config/settings.js'
import { startupRefusalCodes } from '../errors.js'
import { opsPort, storeKind } from '../../config/resolved-settings.js'
import { describeStoreError } from '../store/store-health.js'

/** What start-up was doing: loading the app (settings, handlers, store), or opening one of the listeners. */
export type StartupStep = 'ready' | 'listen' | 'listen-metrics'

export interface StartupFailure {
  /** The line's message: what failed and how to fix it. */
  message: string
  /** The line's fields: the error code, the setting to change, and `err` (with its stack) only when unexpected. */
  fields: { code?: string, setting?: string, err?: unknown }
}

interface SystemError {
  code?: string
  syscall?: string
  path?: string
  message?: string
}

const addressErrors = new Set(['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'])
const folderErrors = new Set(['ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'EEXIST', 'ENOSPC', 'ENOENT'])

function listenFailure (error: SystemError, portSetting: 'PORT' | 'METRICS_PORT', settings: Settings): StartupFailure | null {
  const port = portSetting === 'PORT' ? settings.PORT : opsPort(settings)
  const code = error.code ?? ''
  if (code === 'EADDRINUSE') {
    return {
      message: `${portSetting} ${port} is already in use on ${settings.HOST} (EADDRINUSE): stop what listens there, or set ${portSetting} to a free port`,
      fields: { code, setting: portSetting }
    }
  }
  if (code === 'EACCES') {
    return {
      message: `${portSetting} ${port} may not be opened by this user (EACCES): ports below 1024 need privileges; set ${portSetting} to 1024 or above, e.g. 4242`,
      fields: { code, setting: portSetting }
    }
  }
  if (addressErrors.has(code)) {
    return {
      message: `HOST ${JSON.stringify(settings.HOST)} is not an address of this machine (${code}): set HOST to 0.0.0.0 for every interface, 127.0.0.1 for this machine only, or one of its own addresses`,
      fields: { code, setting: 'HOST' }
    }
  }
  return null
}

function loadFailure (error: SystemError & { cause?: unknown }, settings: Settings | undefined): StartupFailure | null {
  const code = error.code ?? ''
  if (startupRefusalCodes.has(code)) return { message: error.message ?? code, fields: { code } }
  if (settings === undefined) return null
  const sqlite = storeKind(settings) === 'sqlite'
  if (sqlite && folderErrors.has(code) && typeof error.path === 'string') {
    return {
      message: `DATA_DIR ${JSON.stringify(settings.DATA_DIR)} cannot hold the event store (${describeStoreError(error)}): ` +
        'set DATA_DIR to a folder this user may create and write, e.g. ./data, or a mounted volume',
      fields: { code, setting: 'DATA_DIR' }
    }
  }
  if (code === 'STORE_UNAVAILABLE') {
    const setting = sqlite ? 'DATA_DIR' : 'DATABASE_URL'
    const fix = sqlite
      ? 'check that DATA_DIR is a writable folder on a disk with free space'
      : 'check that DATABASE_URL names a reachable PostgreSQL server, database, user and password'
    return {
      message: `The event store could not be opened (${describeStoreError(error.cause ?? error)}): ${fix}`,
      fields: { code, setting }
    }
  }
  return null
}

/** The line to log for an error that stopped start-up at `step`; `settings` once they were read. */
export function explainStartupFailure (error: unknown, step: StartupStep, settings: Settings | undefined): StartupFailure {
  const systemError = (error ?? {}) as SystemError
  const explained = step === 'ready'
    ? loadFailure(systemError, settings)
    : settings === undefined ? null : listenFailure(systemError, step === 'listen' ? 'PORT' : 'METRICS_PORT', settings)
  // Unexpected: the stack is what finds it (the log line's redaction still hides any credential).
  return explained ?? { message: `Start-up failed: ${describeStoreError(error)}`, fields: { code: systemError.code, err: error } }
}
