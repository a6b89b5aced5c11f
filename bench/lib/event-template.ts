// The delivery every benchmark sends: Stripe's payment_intent.succeeded fixture, its id a placeholder
// (@@EVENT_ID@@, replaced by a new id per request), padded in its metadata to a size. One template
// for the suite, the latency breakdown and the profile, so that their figures describe the same load.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from './servers.js'

/** The measurements were made with a 2.8 KB signed payment_intent.succeeded. */
export const standardSize = 2_800

const fixture = readFileSync(join(projectRoot, 'test/fixtures/payment_intent.succeeded.json'), 'utf8')

const withPadding = (padding: string): string => {
  const event = JSON.parse(fixture) as { id: string, data: { object: { metadata: Record<string, string> } } }
  event.id = '@@EVENT_ID@@'
  event.data.object.metadata.padding = padding
  return JSON.stringify(event)
}

/** The fixture as JSON text of `bytes` bytes (with an id of placeholder length), the id replaced by @@EVENT_ID@@. */
export const templateOfSize = (bytes: number = standardSize): string =>
  withPadding('x'.repeat(Math.max(0, bytes - Buffer.byteLength(withPadding('')))))
