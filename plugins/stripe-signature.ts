// Proves a delivery came from Stripe before any handler sees it: stripe-node checks the
// Stripe-Signature header over the raw bytes against every configured secret.
import { isUtf8 } from 'node:buffer'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction, preValidationHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import Stripe from 'stripe'
import {
  EmptyBodyError,
  InvalidJsonError,
  InvalidSignatureError,
  MalformedSignatureHeaderError,
  MissingSignatureError,
  TimestampOutsideToleranceError
} from '../src/errors.js'
import { parseStripeEvent, parseThinEvent } from '../src/delivery/parse-stripe-event.js'
import { diagnoseSignatureFailure } from '../src/delivery/signature-diagnosis.js'
import type { RoutedEvent } from '../src/delivery/routed-event.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** A `preValidation` hook for a route that takes Stripe deliveries; sets `request.stripeEvent`. */
    verifyStripeSignature: preValidationHookHandler
    verifyThinEventSignature: preValidationHookHandler
  }
  interface FastifyRequest {
    stripeEvent: RoutedEvent | null
  }
}

function loadSignatureHelper (): NonNullable<typeof Stripe.webhooks.signature> {
  const helper = Stripe.webhooks.signature
  if (helper === null) throw new Error('stripe-node was loaded without its webhook signature helper')
  return helper
}
const signatureHelper = loadSignatureHelper()

// A v1 signature is a hex HMAC-SHA256. Anything else cannot match, and stripe-node's constant-time
// comparison throws on values whose byte length differs (non-ASCII), so such values are left out.
const wellFormedV1 = /^[0-9a-f]{64}$/

interface ParsedHeader {
  timestamp: number
  /** The header as stripe-node should see it: the timestamp and the well-formed v1 signatures. */
  verifiable: string
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57
const isLowerHex = (code: number): boolean => isDigit(code) || (code >= 97 && code <= 102)

/**
 * The timestamp of a header exactly as Stripe sends it, `t=<1 to 12 digits>` then one or more
 * `,v0=` or `,v1=` and 64 lowercase hex digits, at least one of them v1; else null. Such a header
 * is verified as it is, without taking it apart. Read by hand: the regular expression it replaces
 * (/^t=(\d{1,12})(?:,v[01]=[0-9a-f]{64})+$/) cost about a microsecond per delivery.
 */
function stripeShapedTimestamp (header: string): number | null {
  if (header.charCodeAt(0) !== 116 || header.charCodeAt(1) !== 61) return null // 't', '='
  let at = 2
  let timestamp = 0
  while (at < header.length && isDigit(header.charCodeAt(at))) {
    if (at === 14) return null
    timestamp = timestamp * 10 + header.charCodeAt(at) - 48
    at++
  }
  if (at === 2 || at === header.length) return null
  let hasV1 = false
  while (at < header.length) {
    // ',' 'v' ('0' | '1') '=' then 64 hex digits
    if (header.length - at < 68 || header.charCodeAt(at) !== 44 || header.charCodeAt(at + 1) !== 118 || header.charCodeAt(at + 3) !== 61) return null
    const scheme = header.charCodeAt(at + 2)
    if (scheme !== 48 && scheme !== 49) return null
    if (scheme === 49) hasV1 = true
    for (let hex = at + 4; hex < at + 68; hex++) if (!isLowerHex(header.charCodeAt(hex))) return null
    at += 68
  }
  return hasV1 ? timestamp : null
}

/** The header's timestamp and signatures, or null when it has the shape of no Stripe-Signature. */
function parseSignatureHeader (header: string): ParsedHeader | null {
  const asStripeSends = stripeShapedTimestamp(header)
  if (asStripeSends !== null) return { timestamp: asStripeSends, verifiable: header }
  let timestamp: number | null = null
  const signatures: string[] = []
  for (const item of header.split(',')) {
    const separator = item.indexOf('=')
    const key = item.slice(0, separator)
    const value = item.slice(separator + 1)
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value)
    if (key === 'v1' && wellFormedV1.test(value)) signatures.push(value)
  }
  if (timestamp === null || signatures.length === 0) return null
  return { timestamp, verifiable: [`t=${timestamp}`, ...signatures.map((signature) => `v1=${signature}`)].join(',') }
}

function signedByOneOf (text: string, header: string, secrets: readonly string[]): boolean {
  return secrets.some((secret) => {
    try {
      // Tolerance 0: stripe-node checks the signature alone; recency is checked once, below.
      return signatureHelper.verifyHeader(text, header, secret, 0)
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) return false
      throw error
    }
  })
}

/** The verified body, as text, or the error that says why the delivery cannot be trusted. */
function verifyDelivery (request: FastifyRequest, secrets: readonly string[], toleranceSeconds: number): string {
  const header = request.headers['stripe-signature']
  if (header === undefined || header === '') throw new MissingSignatureError()
  const headerText = Array.isArray(header) ? header.join(',') : header
  const parsed = parseSignatureHeader(headerText)
  if (parsed === null) throw new MalformedSignatureHeaderError()
  const payload = request.rawBody
  if (!Buffer.isBuffer(payload) || payload.length === 0) throw new EmptyBodyError()
  // stripe-node verifies the body decoded as UTF-8; bytes that are not UTF-8 could never verify honestly.
  if (!isUtf8(payload)) throw new InvalidJsonError('the body is not valid UTF-8')
  // Decoded here, not by stripe-node: its TextDecoder would drop a leading byte-order mark, and the
  // HMAC must cover exactly the bytes received. The same text is then parsed, once.
  const text = payload.toString('utf8')
  if (!signedByOneOf(text, parsed.verifiable, secrets)) {
    const now = Date.now()
    // The response says no more than the code; the diagnosis is for the log line, if one is written.
    throw new InvalidSignatureError(() =>
      diagnoseSignatureFailure({ text, header: parsed.verifiable, timestamp: parsed.timestamp, secrets, toleranceSeconds, now }))
  }
  if (Math.floor(Date.now() / 1000) - parsed.timestamp > toleranceSeconds) throw new TimestampOutsideToleranceError(toleranceSeconds)
  return text
}

const stripeSignature: FastifyPluginAsync = async (fastify) => {
  const secrets = fastify.config.webhookSecrets
  const toleranceSeconds = fastify.config.STRIPE_SIGNATURE_TOLERANCE
  fastify.decorateRequest('stripeEvent', null)

  // Callback style, not async: the checks are synchronous, and a promise per delivery is measurable.
  // A refusal is logged once, by the error handler, with its reason and never the header or secret.
  function verifyingHook (parse: (text: string) => RoutedEvent): preValidationHookHandler {
    return function verifyHook (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
      try {
        request.stripeEvent = parse(verifyDelivery(request, secrets, toleranceSeconds))
      } catch (error) {
        done(error as Error)
        return
      }
      done()
    }
  }
  fastify.decorate('verifyStripeSignature', verifyingHook(parseStripeEvent))
  // The same verification stripe-node's parseEventNotification runs (its verifyHeader), with the
  // same secrets, checks and errors; the notification is built from the verified text at dispatch.
  fastify.decorate('verifyThinEventSignature', verifyingHook(parseThinEvent))
}

export default fp(stripeSignature, { name: 'stripe-signature', fastify: '5.x', dependencies: ['config'] })
