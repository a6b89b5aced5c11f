// Finds the handler files under a folder and checks the file-name contract before anything is
// served: each name is a Stripe event type or a pattern of them (see event-patterns.ts), or a type
// newer than stripe whose file opted in (unlisted-event-types.ts), each file declares what its name
// says, each type or pattern has one file.
import { readdir } from 'node:fs/promises'
import { basename, extname, join, relative, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isStripeEventHandler, type StripeEventHandler } from '../define-handler.js'
import { InvalidHandlerError } from '../errors.js'
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
/**
 * The folder name for code the handlers share (`handlers/lib/money.ts`): nothing under a folder of
 * this name, at any depth, is taken for a handler. A name no Stripe type or prefix can collide
 * with, unlike a leading `_`, which `_all.ts` already uses.
 */
export const sharedCodeFolder = 'lib'

function isSharedCode (folder: string, parentPath: string): boolean {
  return relative(folder, parentPath).split(sep).includes(sharedCodeFolder)
}

/**
 * The handler files under `folder`, as paths, sorted; none when the folder does not exist. Tests,
 * declarations, source maps and shared code (under a `lib/` folder) are left out.
 */
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
    .filter((entry) => entry.isFile() && handlerExtensions.has(extname(entry.name)) && !notHandlers.test(entry.name) &&
      !isSharedCode(folder, entry.parentPath))
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

/**
 * The fix for a handler whose `#define-handler` import does not resolve, or undefined for any other
 * import error. The map is in this project's package.json (and dist/package.json, which
 * `npm run build` writes): a folder outside the project, or a dist/ compiled without it, lacks it.
 */
function unresolvedKitImport (error: unknown, file: string): Error | undefined {
  // Node sets `code`; tsx's resolver puts the code at the start of the message instead.
  const { code = '', message = '' } = error as { code?: string, message?: string }
  const unresolved = /ERR_PACKAGE_IMPORT_NOT_DEFINED|MODULE_NOT_FOUND|Cannot find module/.test(`${code} ${message}`)
  if (!unresolved || !message.includes('define-handler')) return undefined
  return new InvalidHandlerError(`handlers/${file} imports #define-handler, which resolves only inside this project ` +
    '(package.json "imports"; the compiled service needs the dist/package.json that npm run build writes). ' +
    'Build with npm run build, or, for a HANDLERS_DIR outside the project, import define-handler by its path.')
}

/**
 * How to fix a file whose handler declares `declared` while its name says `pattern`: rename it,
 * unless `declaredFile` (the file already named for what it declares, if any) would be overwritten.
 */
function wrongTypeFix (file: string, pattern: string, declared: string, declaredFile: string | undefined): string {
  if (declaredFile !== undefined) {
    return `handlers/${declaredFile} already handles ${declared}: change what handlers/${file} declares to ` +
      `'${pattern}', or merge it into handlers/${declaredFile} and delete it.`
  }
  return 'A handler file is named after the events it handles: rename the file to ' +
    `${fileNameOfPattern(declared)}${extname(file)} or change what it declares to '${pattern}'.`
}

async function importHandler (path: string, file: string, pattern: string, filesByPattern: Map<string, string>): Promise<StripeEventHandler<string>> {
  const module = await import(pathToFileURL(path).href).catch((error: unknown) => {
    throw unresolvedKitImport(error, file) ?? error
  }) as { default?: unknown }
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
      `name says ${pattern}. ${wrongTypeFix(file, pattern, handler.type, filesByPattern.get(handler.type))}`)
  }
  return handler
}

/** Loads every handler under `folder`, or throws the first broken contract with how to fix it. */
export async function loadHandlers (folder: string): Promise<LoadedHandler[]> {
  const seen = new Map<string, string>()
  const loaded: LoadedHandler[] = []
  const paths = await listHandlerFiles(folder)
  // Every file by the pattern its name says, so that a fix never suggests a name already taken.
  const filesByPattern = new Map(paths.map((path) => [patternOfFile(path), relative(folder, path)]))
  for (const path of paths) {
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
    loaded.push({ handler: await importHandler(path, file, pattern, filesByPattern), file })
  }
  return loaded
}
