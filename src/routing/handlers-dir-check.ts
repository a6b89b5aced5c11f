// Refuses an explicitly set HANDLERS_DIR that cannot work before the service takes a single event:
// a folder that is not there, or one holding only TypeScript sources when the service runs
// compiled, would otherwise start with no handlers and file every event as unhandled.
import { stat } from 'node:fs/promises'
import { extname } from 'node:path'
import { InvalidSettingError } from '../errors.js'
import { listHandlerFiles } from './handler-loader.js'

// A service run from its .ts sources (tsx, npm run dev) has a loader that takes .ts handlers too.
const runsFromSources = import.meta.url.endsWith('.ts')

/**
 * Throws InvalidSettingError, saying how to fix it, when `dir` (HANDLERS_DIR) is missing or unloadable;
 * `loadsTypeScript` says whether .ts handler files can be imported (true when run from the sources).
 */
export async function checkHandlersDir (dir: string, loadsTypeScript = runsFromSources): Promise<void> {
  const found = await stat(dir).catch(() => null)
  if (found === null || !found.isDirectory()) {
    throw new InvalidSettingError(`HANDLERS_DIR ${JSON.stringify(dir)} ${found === null ? 'does not exist' : 'is not a folder'}: ` +
      'set it to the folder of built handler files (dist/handlers after npm run build), or unset it to use the handlers built with the service.')
  }
  if (loadsTypeScript) return
  const files = await listHandlerFiles(dir)
  if (files.length > 0 && files.every((file) => ['.ts', '.mts'].includes(extname(file)))) {
    throw new InvalidSettingError(`HANDLERS_DIR ${JSON.stringify(dir)} holds only TypeScript sources (${files.length} .ts files), ` +
      'which the compiled service cannot load: run npm run build and point HANDLERS_DIR at the built folder (dist/handlers), ' +
      'or unset it to use the handlers built with the service.')
  }
}
