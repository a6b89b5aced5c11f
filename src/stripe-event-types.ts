// Stripe's v1 event types, read from the installed stripe package's own type declarations, so the
// list is always the one `Stripe.Event` is typed with, and upgrading stripe upgrades it.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

// Where stripe-node has kept its event declarations, newest layout first.
const declarationFiles = ['esm/resources/Events.d.ts', 'cjs/resources/Events.d.ts', 'types/EventTypes.d.ts']
const eventInterface = /extends (?:Stripe\.)?EventBase \{\s*type: '([a-z0-9_.]+)'/g

// stripe's `exports` hides package.json, so walk up from its entry point to the package folder.
function stripePackageRoot (): string {
  let folder = dirname(createRequire(import.meta.url).resolve('stripe'))
  while (!existsSync(join(folder, 'package.json')) || !isStripePackage(folder)) {
    const parent = dirname(folder)
    if (parent === folder) throw new Error('The stripe package is not installed; run `npm ci`')
    folder = parent
  }
  return folder
}

function isStripePackage (folder: string): boolean {
  return (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: string }).name === 'stripe'
}

function readEventTypes (): ReadonlySet<string> {
  const root = stripePackageRoot()
  for (const file of declarationFiles) {
    let source: string
    try {
      source = readFileSync(join(root, file), 'utf8')
    } catch {
      continue
    }
    const types = new Set(Array.from(source.matchAll(eventInterface), (match) => match[1] as string))
    if (types.size > 0) return types
  }
  throw new Error(`Could not read Stripe's event types from the stripe package at ${root}; ` +
    'reinstall it with `npm ci`, or report the stripe version if it is a new layout')
}

let cached: ReadonlySet<string> | undefined

/** Every v1 event type of the installed stripe package; read once per process, then shared read-only. */
export function stripeEventTypes (): ReadonlySet<string> {
  cached ??= readEventTypes()
  return cached
}
