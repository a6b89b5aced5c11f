// Stripe's API versions since 2024 are `<date>.<release>` (`2025-03-31.basil`): every monthly
// version of one release is compatible with the others, so a mismatch is another release, not
// another date. Stripe's own SDKs compare the release name the same way.

/** An API version split into what compatibility depends on. */
export interface ApiVersionParts {
  /** The date part, `YYYY-MM-DD`. */
  date: string
  /** The release name (`basil`, `clover`, `preview`), or null for a date-only version before 2024. */
  release: string | null
}

/**
 * `2025-04-30.preview; some_beta=v1` -> `{ date: '2025-04-30', release: 'preview' }`: the beta
 * suffixes of a preview endpoint (`; name=v1`, any number) are dropped, white space too.
 */
export function apiVersionParts (version: string): ApiVersionParts {
  const base = (version.split(';')[0] ?? '').trim()
  const dot = base.indexOf('.')
  return dot < 0 ? { date: base, release: null } : { date: base.slice(0, dot), release: base.slice(dot + 1) }
}

/**
 * Whether an event rendered with `eventVersion` fits handlers written for `expectedVersion`: the
 * same release name, or (for date-only versions before 2024) the very same version. Another
 * release, or a date-only version against a release, is a mismatch.
 */
export function isCompatibleApiVersion (eventVersion: string, expectedVersion: string): boolean {
  const event = apiVersionParts(eventVersion)
  const expected = apiVersionParts(expectedVersion)
  if (event.release === null || expected.release === null) {
    return event.release === expected.release && event.date === expected.date
  }
  return event.release === expected.release
}
