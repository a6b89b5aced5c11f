// The top-level fields of a Stripe resource and their declared types, read from the installed
// stripe package's declarations (`amount: number;` in `export interface PaymentIntent {`), so the
// trigger knows what `--set amount=5000` should write even for objects it has no sample of.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { stripePackageRoot } from '../routing/stripe-event-types.js'

const resourceFolders = ['esm/resources', 'cjs/resources']
// A field of the interface itself: four spaces in, where nested namespaces' fields sit deeper.
const topLevelField = /^ {4}(\w+)\??: (.+)$/

function interfaceBody (resource: string): string | undefined {
  const parts = resource.split('.')
  const name = parts.at(-1) as string
  const start = `export interface ${name} {\n`
  for (const base of resourceFolders) {
    const folder = join(stripePackageRoot(), base, ...parts.slice(0, -1))
    let files: string[]
    try {
      files = readdirSync(folder).filter((file) => file.endsWith('.d.ts'))
    } catch {
      continue
    }
    for (const file of files) {
      const source = readFileSync(join(folder, file), 'utf8')
      const at = source.indexOf(start)
      if (at >= 0) return source.slice(at + start.length, source.indexOf('\n}', at))
    }
  }
  return undefined
}

/**
 * The fields stripe-node declares on `resource` (`PaymentIntent`, `Checkout.Session`, ...), each
 * with the text of its type (`number`, `string | null`, `Metadata`; the first line only, for a type
 * that spans several). Undefined when the package declares no such interface.
 */
export function declaredFields (resource: string): ReadonlyMap<string, string> | undefined {
  const body = interfaceBody(resource)
  if (body === undefined) return undefined
  const fields = new Map<string, string>()
  for (const line of body.split('\n')) {
    const match = topLevelField.exec(line)
    if (match !== null) fields.set(match[1] as string, (match[2] as string).replace(/;$/, ''))
  }
  return fields
}
