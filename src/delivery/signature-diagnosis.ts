// When no signature matches, the likeliest cause, for the operator's log (never the response):
// a body re-serialised on its way (a proxy or framework that parsed and re-encoded the JSON), a
// delivery signed long ago, or a secret that is not the endpoint's. Names no secret, no signature.
import Stripe from 'stripe'

// Diagnosis parses and re-signs the body: bounded, so that a flood of bad deliveries stays cheap.
const largestDiagnosedBody = 256 * 1024

type Verify = (text: string, header: string, secret: string) => boolean

function reserialisations (text: string): string[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return [text.trimEnd(), `${text}\n`]
  }
  const variants = [JSON.stringify(parsed), JSON.stringify(parsed, null, 2), JSON.stringify(parsed, null, 4), text.trimEnd(), `${text}\n`]
  return variants.filter((variant) => variant !== text)
}

export interface DiagnosisInput {
  text: string
  /** The header as verified: t= and the well-formed v1 values. */
  header: string
  timestamp: number
  secrets: readonly string[]
  toleranceSeconds: number
  now: number
  verify?: Verify
}

export function diagnoseSignatureFailure (input: DiagnosisInput): string {
  const verify: Verify = input.verify ?? ((text, header, secret) => {
    try {
      return Stripe.webhooks.signature?.verifyHeader(text, header, secret, 0) === true
    } catch {
      return false
    }
  })
  if (input.text.length <= largestDiagnosedBody) {
    for (const variant of reserialisations(input.text)) {
      if (input.secrets.some((secret) => verify(variant, input.header, secret))) {
        return 'the body was changed after signing (re-serialised JSON or changed whitespace): something between Stripe ' +
          'and this service parsed and re-encoded it; forward the raw bytes unchanged'
      }
    }
  }
  const ageSeconds = Math.floor(input.now / 1000) - input.timestamp
  if (ageSeconds > input.toleranceSeconds) {
    return `the signature is ${ageSeconds} s old: a replayed or long-delayed delivery, or a clock far off; ` +
      'if the body is also unchanged, the secret may be one Stripe stopped using'
  }
  return `the signature matches none of the ${input.secrets.length} configured secret(s): check STRIPE_WEBHOOK_SECRET is this ` +
    "endpoint's signing secret (test and live endpoints, and `stripe listen`, each have their own)"
}
