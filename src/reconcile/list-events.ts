// Pages through Stripe's List Events API (GET /v1/events), oldest page last as Stripe returns them,
// backing off on 429. Paged by hand rather than with stripe-node's auto-pagination, so that a rate
// limit met on page 40 retries page 40 instead of failing the whole listing.
import Stripe from 'stripe'

/** Stripe keeps events listable for 30 days. */
export const stripeRetentionMs = 30 * 24 * 60 * 60 * 1000

export interface ListQuery {
  /** Events created at or after this time, in milliseconds (sent as `created[gte]`, in seconds). */
  since: number
  /** Only these types (`types[]`); every type when empty or absent. */
  types?: readonly string[]
  /** Only events whose delivery to every endpoint failed (`delivery_success=false`), when false. */
  deliverySuccess?: boolean
}

export interface BackOff {
  /** How many times one page is retried after a 429 before the listing fails. */
  retries: number
  /** The first wait when the 429 has no Retry-After, in milliseconds; doubled at each retry. */
  baseDelayMs: number
  /** The longest wait, whatever Retry-After says, in milliseconds. */
  maxDelayMs: number
  /** Told of each wait, for the log. */
  onRateLimited?: (waitMs: number, retry: number) => void
  signal?: AbortSignal
}

export const defaultBackOff: BackOff = { retries: 5, baseDelayMs: 1000, maxDelayMs: 60_000 }

// stripe-node (v23) retries 409s, 5xx and connection errors, but a 429 only when Stripe adds
// `Stripe-Should-Retry: true`, and it never reads Retry-After: the listing does both itself.
function isRateLimit (error: unknown): error is Stripe.errors.StripeError {
  return error instanceof Stripe.errors.StripeError && error.statusCode === 429
}

function retryAfterMs (error: Stripe.errors.StripeError): number | null {
  const header = (error.headers as Record<string, string | undefined> | undefined)?.['retry-after']
  const seconds = header === undefined ? Number.NaN : Number(header)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null
}

async function wait (ms: number, signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) { reject(signal.reason); return }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = (): void => { clearTimeout(timer); reject(signal?.reason) }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

async function pageWithBackOff (stripe: Stripe, params: Stripe.EventListParams, backOff: BackOff): Promise<Stripe.ApiList<Stripe.Event>> {
  for (let retry = 1; ; retry++) {
    try {
      return await stripe.events.list(params)
    } catch (error) {
      if (!isRateLimit(error) || retry > backOff.retries || backOff.signal?.aborted === true) throw error
      const waitMs = Math.min(retryAfterMs(error) ?? backOff.baseDelayMs * 2 ** (retry - 1), backOff.maxDelayMs)
      backOff.onRateLimited?.(waitMs, retry)
      await wait(waitMs, backOff.signal)
    }
  }
}

/**
 * Every event the query matches, page by page (100 a page, newest first, as Stripe lists them).
 * Throws a Stripe.errors.StripeError when the API refuses (a bad key: 401), or still answers 429
 * after `backOff.retries` retries; the signal's reason when aborted.
 */
export async function * listEvents (stripe: Stripe, query: ListQuery, backOff: BackOff = defaultBackOff): AsyncGenerator<Stripe.Event> {
  const params: Stripe.EventListParams = { limit: 100, created: { gte: Math.floor(query.since / 1000) } }
  if (query.types !== undefined && query.types.length > 0) params.types = [...query.types]
  if (query.deliverySuccess !== undefined) params.delivery_success = query.deliverySuccess
  for (;;) {
    backOff.signal?.throwIfAborted()
    const page = await pageWithBackOff(stripe, params, backOff)
    yield * page.data
    const last = page.data.at(-1)
    if (!page.has_more || last === undefined) return
    params.starting_after = last.id
  }
}
