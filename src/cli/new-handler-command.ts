// `npm run new-handler -- <event.type | pattern>`: writes whichever of the handler, its test and a
// fixture is missing, from templates that compile and pass as written. Never overwrites a file.
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { buildEvent, hasRealisticSample } from '../samples/build-event.js'
import { buildThinEvent, isThinEventType } from '../samples/build-thin-event.js'
import { handlerSource, handlerTestSource, type HandlerTemplateInput } from './handler-templates.js'
import type { StripeSnapshotEventType } from '../define-handler.js'
import { fileNameOfPattern, isKnownPattern, patternOfFileName, patternsMatching } from '../routing/event-patterns.js'
import { unknownPatternMessage } from '../routing/event-type-suggestions.js'
import { listHandlerFiles } from '../routing/handler-loader.js'
import { handlerEventTypes } from '../routing/stripe-event-types.js'
import { runCommand, UsageError } from './run-command.js'
import { readSettings } from '../../config/read-settings.js'
import { handlersDirOf } from '../../config/resolved-settings.js'

export interface NewHandlerIo {
  /**
   * The settings' source, read as the service reads it (process.env with .env beneath it); none
   * when absent. Its HANDLERS_DIR is where the handler is written.
   */
  env?: Record<string, string | undefined>
  /** The project folder: test/handlers/ and test/fixtures/ are written under it, and handlers/ unless HANDLERS_DIR names another. */
  root: string
  out: (line: string) => void
  /** Errors, and the usage after a usage error (stderr from the command line); `out` unless given. */
  err?: (line: string) => void
}

export const usage = `Usage: npm run new-handler -- <event.type>

Writes handlers/<event.type>.ts, test/handlers/<event.type>.test.ts and test/fixtures/<event.type>.json,
whichever is missing: for a handler written by hand, it adds the test and the fixture. Files that
exist are never overwritten. A pattern takes a group of types: 'customer.subscription.*' (every
type under the prefix) or '*' (every event); quote it so the shell does not expand it.`

/**
 * The type the generated test delivers: for a pattern, one it matches that no more specific file
 * on disk would take instead (a realistic sample when there is one).
 */
function fixtureTypeFor (pattern: string, existing: Set<string>): string | undefined {
  if (!pattern.includes('*')) return pattern
  const prefix = pattern.slice(0, -1)
  const candidates = [...handlerEventTypes()]
    .filter((type) => type.startsWith(prefix))
    .filter((type) => {
      const moreSpecific = patternsMatching(type)
      return moreSpecific.slice(0, moreSpecific.indexOf(pattern)).every((other) => !existing.has(other))
    })
    .sort((a, b) => Number(hasRealisticSample(b)) - Number(hasRealisticSample(a)) || a.localeCompare(b))
  return candidates[0]
}

/** `path` as printed: relative to the project folder when inside it (`handlers/invoice.paid.ts`), else in full. */
function shownPath (root: string, path: string): string {
  const inRoot = relative(root, path)
  return inRoot.startsWith('..') || isAbsolute(inRoot) ? resolve(path) : inRoot
}

async function writeNew (path: string, content: string, shown: string, out: NewHandlerIo['out']): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, content, { flag: 'wx' })
  out(`  wrote ${shown}`)
}

/**
 * Runs the scaffold for `argv` (one event type or pattern) in `io.root`. Resolves to the exit code:
 * 0 when something was written, 1 when nothing was left to write, 2 for a usage error.
 */
export async function runNewHandlerCommand (argv: string[], io: NewHandlerIo): Promise<number> {
  return await runCommand(usage, io, async () => {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} })
    if (positionals.length !== 1) throw new UsageError('Name one event type, e.g. npm run new-handler -- invoice.paid')
    // Accept the file-name spelling too: customer.subscription._all means customer.subscription.*.
    const pattern = patternOfFileName(positionals[0] as string)
    if (!isKnownPattern(pattern)) throw new UsageError(unknownPatternMessage(pattern))
    const name = fileNameOfPattern(pattern)
    const handlersDir = handlersDirOf(readSettings({ env: io.env ?? {} }), io.root)
    const handlerFiles = await listHandlerFiles(handlersDir)
    const existing = new Set(handlerFiles.map((path) => patternOfFileName(basename(path, extname(path)))))
    // A handler written by hand may sit in a sub-folder: name the file that is really there.
    const handlerOnDisk = handlerFiles.find((path) => basename(path, extname(path)) === name)
    const planned: Array<{ kind: ScaffoldFile, path: string }> = [
      { kind: 'handler', path: handlerOnDisk ?? resolve(handlersDir, `${name}.ts`) },
      { kind: 'test', path: join(io.root, 'test', 'handlers', `${name}.test.ts`) },
      { kind: 'fixture', path: join(io.root, 'test', 'fixtures', `${name}.json`) }
    ]
    const files = planned.map((file) => ({
      ...file,
      shown: shownPath(io.root, file.path),
      exists: file.kind === 'handler' ? handlerOnDisk !== undefined : existsSync(file.path)
    }))
    if (files.every((file) => file.exists)) {
      io.out(`${pattern} already has its handler, test and fixture (${files.map((file) => file.shown).join(', ')}); nothing was written.`)
      return 1
    }
    const fixtureType = fixtureTypeFor(pattern, existing)
    if (fixtureType === undefined) {
      io.out(`Every type under ${pattern} already has a more specific handler; nothing was written.`)
      return 1
    }

    io.out(`New handler for ${pattern}:`)
    const template = { pattern, fixtureType, handwritten: handlerOnDisk !== undefined }
    for (const file of files) {
      if (file.exists) {
        io.out(`  kept ${file.shown} (it exists)`)
        continue
      }
      await writeNew(file.path, contentOf(file.kind, template), file.shown, io.out)
    }
    io.out(`\nNext: npx tap --disable-coverage ${files[1]?.shown}, and with npm run dev running: npm run trigger -- ${fixtureType}`)
    return 0
  })
}

type ScaffoldFile = 'handler' | 'test' | 'fixture'

function contentOf (kind: ScaffoldFile, template: HandlerTemplateInput): string {
  if (kind === 'handler') return handlerSource(template)
  if (kind === 'test') return handlerTestSource(template)
  // A fixed id and time, so the fixture reads the same in every run and every diff.
  const fixed = { id: 'evt_1QxKfixture0000000000000', created: 1_764_244_800 }
  const event = isThinEventType(template.fixtureType)
    ? buildThinEvent(template.fixtureType, fixed)
    : buildEvent(template.fixtureType as StripeSnapshotEventType, fixed)
  return `${JSON.stringify(event, null, 2)}\n`
}
