// `npm run new-handler -- <event.type | pattern>`: writes the handler, its test and a fixture, from
// templates that compile and pass as written. Never overwrites a file.
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildEvent, hasRealisticSample } from '../dev/build-event.js'
import { buildThinEvent, isThinEventType } from '../dev/build-thin-event.js'
import { handlerSource, handlerTestSource } from '../dev/handler-templates.js'
import type { StripeSnapshotEventType } from '../define-handler.js'
import { fileNameOfPattern, isKnownPattern, patternOfFileName, patternsMatching } from '../event-patterns.js'
import { unknownPatternMessage } from '../event-type-suggestions.js'
import { listHandlerPatterns } from '../handler-loader.js'
import { handlerEventTypes } from '../stripe-event-types.js'
import { runWithUsage, UsageError } from './usage-error.js'

export interface NewHandlerIo {
  /** The project folder: handlers/, test/handlers/ and test/fixtures/ are written under it. */
  root: string
  out: (line: string) => void
}

export const usage = `Usage: npm run new-handler -- <event.type>

Writes handlers/<event.type>.ts, test/handlers/<event.type>.test.ts and test/fixtures/<event.type>.json.
A pattern takes a group of types: 'customer.subscription.*' (every type under the prefix) or '*'
(every event); quote it so the shell does not expand it. Files that exist are never overwritten.`

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

async function writeNew (path: string, content: string, shown: string, out: NewHandlerIo['out']): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, content, { flag: 'wx' })
  out(`  wrote ${shown}`)
}

export async function runNewHandlerCommand (argv: string[], io: NewHandlerIo): Promise<number> {
  return await runWithUsage(usage, io.out, async () => {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} })
    if (positionals.length !== 1) throw new UsageError('Name one event type, e.g. npm run new-handler -- invoice.paid')
    // Accept the file-name spelling too: customer.subscription._all means customer.subscription.*.
    const pattern = patternOfFileName(positionals[0] as string)
    if (!isKnownPattern(pattern)) throw new UsageError(unknownPatternMessage(pattern))
    const name = fileNameOfPattern(pattern)
    const files = {
      handler: `handlers/${name}.ts`,
      test: `test/handlers/${name}.test.ts`,
      fixture: `test/fixtures/${name}.json`
    }
    const existing = await listHandlerPatterns(join(io.root, 'handlers'))
    if (existing.has(pattern) || existsSync(join(io.root, files.test))) {
      io.out(`${pattern} already has a handler or a test (${files.handler}, ${files.test}); nothing was written.`)
      return 1
    }
    const fixtureType = fixtureTypeFor(pattern, existing)
    if (fixtureType === undefined) {
      io.out(`Every type under ${pattern} already has a more specific handler; nothing was written.`)
      return 1
    }

    io.out(`New handler for ${pattern}:`)
    await writeNew(join(io.root, files.handler), handlerSource({ pattern, fixtureType }), files.handler, io.out)
    await writeNew(join(io.root, files.test), handlerTestSource({ pattern, fixtureType }), files.test, io.out)
    if (existsSync(join(io.root, files.fixture))) {
      io.out(`  kept ${files.fixture} (it exists)`)
    } else {
      // A fixed id and time, so the fixture reads the same in every run and every diff.
      const fixed = { id: 'evt_1QxKfixture0000000000000', created: 1_764_244_800 }
      const event = isThinEventType(fixtureType) ? buildThinEvent(fixtureType, fixed) : buildEvent(fixtureType as StripeSnapshotEventType, fixed)
      await writeNew(join(io.root, files.fixture), `${JSON.stringify(event, null, 2)}\n`, files.fixture, io.out)
    }
    io.out(`\nNext: npx tap ${files.test}, and with npm run dev running: npm run trigger -- ${fixtureType}`)
    return 0
  })
}
