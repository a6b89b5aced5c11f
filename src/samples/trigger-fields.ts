// `npm run trigger -- <type> --set <path>=<value>`: each value written as the type Stripe sends for
// that field (metadata values are strings, `amount` a number), and a warning for a field the
// object does not have, which is most often a typo the handler would never see.
import type { StripeSnapshotEventType } from '../define-handler.js'
import { stripeEventObjectTypes } from '../routing/stripe-event-types.js'
import { buildEvent } from './build-event.js'
import { declaredFields } from './stripe-object-fields.js'

type Kind = 'string' | 'number' | 'boolean' | 'json'

// `status: 'canceled' | 'succeeded'`, `customer: string | Customer | null`: text either way.
const textTypes = /^(string|'[^']*')( \||$)/

function kindOfDeclared (declared: string): Kind {
  const type = declared.replace(/ \| null$/, '')
  if (type === 'number') return 'number'
  if (type === 'boolean') return 'boolean'
  return textTypes.test(type) ? 'string' : 'json'
}

function kindOfValue (value: unknown): Kind {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? typeof value as Kind : 'json'
}

/** The value at a dotted path of `object`, undefined where the path leaves it. */
function valueAt (object: unknown, segments: string[]): unknown {
  let node = object
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) return undefined
    node = (node as Record<string, unknown>)[segment]
  }
  return node
}

function convert (path: string, text: string, kind: Kind): unknown {
  if (text === 'null') return null
  if (kind === 'string') return text
  if (kind === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`--set ${path} takes a number (amounts are in the smallest currency unit, e.g. 5000 for 50.00), not "${text}"`)
    return Number(text)
  }
  if (kind === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new Error(`--set ${path} takes true or false, not "${text}"`)
    return text === 'true'
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text // Not JSON: the text itself, so a field of unknown type needs no quotes.
  }
}

/**
 * Reads `--set` assignments (`<path>=<value>`, e.g. `metadata.order_id=7`) as fields of the
 * `data.object` of a `type` event: a field that is a string in Stripe gets the text (`"7"`, as every
 * metadata value), a number field a number, a boolean field `true`/`false`, any field `null` for
 * `null` (metadata aside); a field of another or unknown type gets the value read as JSON, else as
 * text. Calls `warn` once for each path the object does not have. Throws an Error saying what to
 * give on a malformed assignment or a value of the wrong type.
 */
export function triggerFields (type: StripeSnapshotEventType, assignments: string[], warn: (line: string) => void): Record<string, unknown> {
  const sample: unknown = buildEvent(type).data.object
  const resource = stripeEventObjectTypes().get(type) as string
  const declared = declaredFields(resource)
  const fields: Record<string, unknown> = {}
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=')
    if (equals < 1) throw new Error(`--set takes <path>=<value>, e.g. --set metadata.order_id=7, not "${assignment}"`)
    const path = assignment.slice(0, equals)
    const segments = path.split('.')
    const inMetadata = segments.at(-2) === 'metadata'
    const current = valueAt(sample, segments)
    const declaredType = segments.length === 1 ? declared?.get(path) : undefined
    if (!inMetadata && current === undefined && !(declared?.has(segments[0] as string) ?? false)) {
      warn(`Warning: --set ${path}: a ${resource} has no field ${segments[0]} in the installed stripe package; it is sent anyway.`)
    }
    const text = assignment.slice(equals + 1)
    const kind: Kind = current !== undefined && current !== null ? kindOfValue(current) : declaredType === undefined ? 'json' : kindOfDeclared(declaredType)
    // Stripe's metadata values are always strings, `null` included.
    fields[path] = inMetadata ? text : convert(path, text, kind)
  }
  return fields
}
