// Stripe's v1 event types, read from the installed stripe package's own type declarations, so the
// list is always the one `Stripe.Event` is typed with, and upgrading stripe upgrades it.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

// Where stripe-node has kept its event declarations, newest layout first.
const declarationFiles = ['esm/resources/Events.d.ts', 'cjs/resources/Events.d.ts', 'types/EventTypes.d.ts']
const eventInterface = /extends (?:Stripe\.)?EventBase \{\s*type: '([a-z0-9_.]+)'/g
// The same declaration goes on to name the resource in `data.object`, e.g. `object: PaymentIntent;`.
const eventObject = /type: '([a-z0-9_.]+)';\s*data: \w+\.Data;\s*\}\s*export declare namespace \w+ \{\s*interface Data extends (?:Stripe\.)?Event\.Data \{\s*object: (?:Stripe\.)?([\w.]+);/g

/** The installed stripe package's folder. Its `exports` hide package.json, so this walks up from its entry point. */
export function stripePackageRoot (): string {
  let folder = dirname(createRequire(import.meta.url).resolve('stripe'))
  while (!existsSync(join(folder, 'package.json')) || !isStripePackage(folder)) {
    const parent = dirname(folder)
    if (parent === folder) throw new Error('The stripe package is not installed; run `npm ci`')
    folder = parent
  }
  return folder
}

function readPackageJson (folder: string): { name?: string, version?: string } {
  return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: string, version?: string }
}

function isStripePackage (folder: string): boolean {
  return readPackageJson(folder).name === 'stripe'
}

let cachedVersion: string | undefined

/** The installed stripe package's version (`23.1.0`), from its package.json; read once per process. */
export function installedStripeVersion (): string {
  cachedVersion ??= readPackageJson(stripePackageRoot()).version ?? 'unknown'
  return cachedVersion
}

/** The first of `files` in the stripe package that declares what `declaration` matches. */
function readDeclarations (files: readonly string[], declaration: RegExp): string | undefined {
  const root = stripePackageRoot()
  for (const file of files) {
    let source: string
    try {
      source = readFileSync(join(root, file), 'utf8')
    } catch {
      continue
    }
    if (source.search(declaration) >= 0) return source
  }
  return undefined
}

function readEventDeclarations (): string {
  const source = readDeclarations(declarationFiles, eventInterface)
  if (source !== undefined) return source
  const root = stripePackageRoot()
  throw new Error(`Could not read Stripe's event types from the stripe package at ${root}; ` +
    'reinstall it with `npm ci`, or report the stripe version if it is a new layout')
}

let cachedSource: string | undefined
let cachedTypes: ReadonlySet<string> | undefined
let cachedObjects: ReadonlyMap<string, string> | undefined

function eventDeclarations (): string {
  cachedSource ??= readEventDeclarations()
  return cachedSource
}

/** Every v1 event type of the installed stripe package; read once per process, then shared read-only. */
export function stripeEventTypes (): ReadonlySet<string> {
  cachedTypes ??= new Set(Array.from(eventDeclarations().matchAll(eventInterface), (match) => match[1] as string))
  return cachedTypes
}

/**
 * For each v1 event type, the name stripe-node types its `data.object` with (`PaymentIntent`,
 * `Billing.Meter`, ...): what the offline trigger builds for that type.
 */
export function stripeEventObjectTypes (): ReadonlyMap<string, string> {
  cachedObjects ??= new Map(Array.from(eventDeclarations().matchAll(eventObject), (match) => [match[1] as string, match[2] as string]))
  return cachedObjects
}

// Thin events (event destinations) are declared as `...EventNotification extends EventNotificationBase`.
const thinEventFiles = ['esm/resources/V2/Core/Events.d.ts', 'cjs/resources/V2/Core/Events.d.ts']
const thinEventInterface = /EventNotification extends EventNotificationBase \{\s*type: '([a-z0-9_.]+)';\s*(related_object:)?/g

let cachedThinTypes: ReadonlyMap<string, boolean> | undefined
let cachedHandlerTypes: ReadonlySet<string> | undefined

function readThinEventTypes (): ReadonlyMap<string, boolean> {
  // An older stripe package without event destinations has no thin types, and v1 keeps working.
  const source = readDeclarations(thinEventFiles, thinEventInterface) ?? ''
  return new Map(Array.from(source.matchAll(thinEventInterface), (match) => [match[1] as string, match[2] !== undefined]))
}

/**
 * Every thin event type (`v1.billing.meter.no_meter_found`, `v2.core.account.created`, ...), each
 * with whether its notification names a related object.
 */
export function stripeThinEventTypes (): ReadonlyMap<string, boolean> {
  cachedThinTypes ??= readThinEventTypes()
  return cachedThinTypes
}

/** What a handler file may be named after: every v1 event type and every thin event type. */
export function handlerEventTypes (): ReadonlySet<string> {
  cachedHandlerTypes ??= new Set([...stripeEventTypes(), ...stripeThinEventTypes().keys()])
  return cachedHandlerTypes
}
