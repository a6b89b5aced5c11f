// The error vocabulary is one registry: every code the router raises or answers is an entry of
// src/errors.ts, each constructor is named after its code, and no code is written anywhere else.
import { readdirSync, readFileSync } from 'node:fs'
import { constants } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import * as errors from '../src/errors.js'
import { errorCodes } from '../src/errors.js'

const root = fileURLToPath(new URL('../', import.meta.url))

// Raise this when adding an error, after giving it a group in src/errors.ts and a line in the
// README's table of answers when a client can see it.
const registeredCodes = 27

/**
 * The naming rule: the code's words in PascalCase, then `Error` unless the code already ends so
 * (INVALID_SIGNATURE is InvalidSignatureError, NOT_A_STRIPE_EVENT NotAStripeEventError, INTERNAL_ERROR InternalError).
 */
function constructorName (code: string): string {
  const words = code.split('_').map((word) => word.charAt(0) + word.slice(1).toLowerCase()).join('')
  return words.endsWith('Error') ? words : `${words}Error`
}

test(`the registry holds ${registeredCodes} codes, each keyed by the code its errors carry`, async (t) => {
  const entries = Object.entries(errorCodes)
  t.equal(entries.length, registeredCodes, 'a new code raises the count here, on purpose')
  for (const [code, RouterError] of entries) {
    // A diagnosis for INVALID_SIGNATURE's; the others only format it into their message.
    const error = new RouterError(() => '')
    t.equal(error.code, code, `${code} makes errors with its own code`)
    t.ok(error instanceof RouterError, `${code}'s errors are its own`)
    t.ok(error.statusCode >= 400 && error.statusCode < 600, `${code} has an HTTP error status (${error.statusCode})`)
    t.not(error.message, '', `${code} has a message`)
  }
})

test('each constructor is named after its code', async (t) => {
  const exported = new Map<unknown, string>(Object.entries(errors).map(([name, value]) => [value, name]))
  for (const [code, RouterError] of Object.entries(errorCodes)) {
    t.equal(exported.get(RouterError), constructorName(code), `${code} is exported as ${constructorName(code)}`)
  }
  const registered = new Set<unknown>(Object.values(errorCodes))
  const strays = Object.entries(errors).filter(([name, value]) => /^[A-Z]\w*Error$/.test(name) && !registered.has(value))
  t.same(strays.map(([name]) => name), [], 'no error constructor is exported outside the registry')
})

// Codes of other vocabularies the router compares against: Node's system errors and its own
// ERR_ codes, llhttp's, Fastify's and SQLite's.
const foreignCode = (code: string): boolean => Object.hasOwn(constants.errno, code) || /^(?:ERR|HPE|FST|SQLITE)_/.test(code)

const codeLiterals = [
  /\bcode\s*(?:===|!==|:)\s*'([A-Z][A-Z0-9_]{2,})'/g,
  /'([A-Z][A-Z0-9_]{2,})'\s*(?:===|!==)\s*[\w.?]*\bcode\b/g
]

function unregisteredCodes (source: string): string[] {
  const found = codeLiterals.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1] ?? ''))
  return found.filter((code) => !Object.hasOwn(errorCodes, code) && !foreignCode(code))
}

function sourceFiles (folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts'))
    .map((path) => join(folder, path))
}

test('the scan finds a code that is not in the registry', async (t) => {
  t.same(unregisteredCodes("if (error.code === 'NO_SUCH_CODE') return\nreply.send({ error: text, code: 'ANOTHER_CODE' })"),
    ['NO_SUCH_CODE', 'ANOTHER_CODE'])
  t.same(unregisteredCodes("if ('NO_SUCH_CODE' === error.code) return"), ['NO_SUCH_CODE'])
  t.same(unregisteredCodes("if (error.code === 'ENOENT' || code === 'STORE_UNAVAILABLE') return"), [], 'known codes pass')
})

test('no code outside the registry is compared or answered in src/, plugins/ or config/', async (t) => {
  const files = ['src', 'plugins', 'config'].flatMap(sourceFiles)
  t.ok(files.length > 50, `the scan reads the tree (${files.length} files)`)
  for (const file of files) {
    t.same(unregisteredCodes(readFileSync(join(root, file), 'utf8')), [], file)
  }
})

test("a store outage's answer leaves out its cause, which is for the operator's log", async (t) => {
  const outage = new errors.StoreUnavailableError('the database /data/events.db is locked by another process')
  t.match(outage.message, '/data/events.db', 'the log line names the cause')
  t.notMatch(errors.answerText(outage), '/data/events.db', 'the answer does not')
  t.equal(errors.answerText(new errors.EmptyBodyError()), new errors.EmptyBodyError().message, 'other errors answer with their message')
})
