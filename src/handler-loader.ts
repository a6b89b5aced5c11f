// Finds the handler files under a folder and checks the file-name contract before anything is
// served: each name is a Stripe event type or a pattern of them (see event-patterns.ts), or a type
// newer than stripe whose file opted in (unlisted-event-types.ts), each file declares what its name
// says, each type or pattern has one file.
import { readdir } from 'node:fs/promises'
import { basename, extname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isStripeEventHandler, type StripeEventHandler } from './define-handler.js'
import { InvalidHandlerError } from './errors.js'
import { fileNameOfPattern, isKnownPattern, patternOfFileName } from './event-patterns.js'
import { unknownPatternMessage } from './event-type-suggestions.js'
import { isEventTypeShaped } from './unlisted-event-types.js'

export interface LoadedHandler {
  handler: StripeEventHandler<string>
  /** The file, relative to the handlers folder, for messages. */
  file: string
}

const handlerExtensions = new Set(['.ts', '.js', '.mts', '.mjs'])
// Tests, declarations and source maps sit beside handlers in some layouts; none of them is a handler.
const notHandlers = /(\.d\.[mc]?ts|\.(test|spec)\.[mc]?[jt]s|\.map)$/

/** The handler files under `folder`, as paths, sorted; none when the folder does not exist. */
export async function listHandlerFiles (folder: string): Promise<string[]> {
  let entries
  try {
    entries = await readdir(folder, { withFileTypes: true, recursive: true })
  } catch (error) {
    // No handlers folder means no handlers: every event is acknowledged as unhandled.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  return entries
    .filter((entry) => entry.isFile() && handlerExtensions.has(extname(entry.name)) && !notHandlers.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
}

/** The type or pattern a handler file's name stands for. */
function patternOfFile (path: string): string {
  return patternOfFileName(basename(path, extname(path)))
}

/** The types and patterns the handler files under `folder` are named for, without importing them. */
export async function listHandlerPatterns (folder: string): Promise<Set<string>> {
  return new Set((await listHandlerFiles(folder)).map(patternOfFile))
}

function unknownNameError (file: string, pattern: string): Error {
  return new InvalidHandlerError(`handlers/${file}: ${unknownPatternMessage(pattern)} ` +
    'Name the file after the event type it handles, e.g. handlers/payment_intent.succeeded.ts, or ' +
    'after a prefix, e.g. handlers/customer.subscription._all.ts for every customer.subscription.* event.')
}

async function importHandler (path: string, file: string, pattern: string): Promise<StripeEventHandler<string>> {
  const module = await import(pathToFileURL(path).href) as { default?: unknown }
  const handler = module.default
  if (!isStripeEventHandler(handler)) {
    throw new InvalidHandlerError(`handlers/${file} must default-export a handler: ` +
      `export default defineHandler('${pattern}', async (event, { log }) => { ... })`)
  }
  // An unlisted name is taken only from a file that opted in; otherwise it is most likely a typo.
  if (!isKnownPattern(pattern) && handler.unlisted !== true) throw unknownNameError(file, pattern)
  if (handler.type !== pattern) {
    const define = handler.unlisted === true ? 'defineUnlistedHandler' : 'defineHandler'
    throw new InvalidHandlerError(`handlers/${file} declares ${define}('${handler.type}', ...) but its file ` +
      `name says ${pattern}. A handler file is named after the events it handles: rename the file to ` +
      `${fileNameOfPattern(handler.type)}${extname(file)} or change what it declares to '${pattern}'.`)
  }
  return handler
}

/** Loads every handler under `folder`, or throws the first broken contract with how to fix it. */
export async function loadHandlers (folder: string): Promise<LoadedHandler[]> {
  const seen = new Map<string, string>()
  const loaded: LoadedHandler[] = []
  for (const path of await listHandlerFiles(folder)) {
    const file = relative(folder, path)
    const pattern = patternOfFile(file)
    // A name of a type stripe does not list is imported to see whether it opted in (defineUnlistedHandler).
    if (!isKnownPattern(pattern) && !isEventTypeShaped(pattern)) throw unknownNameError(file, pattern)
    const earlier = seen.get(pattern)
    if (earlier !== undefined) {
      throw new InvalidHandlerError(`${pattern} has two handlers: handlers/${earlier} and handlers/${file}. ` +
        'Keep one file per event type and merge the other into it.')
    }
    seen.set(pattern, file)
    loaded.push({ handler: await importHandler(path, file, pattern), file })
  }
  return loaded
}
