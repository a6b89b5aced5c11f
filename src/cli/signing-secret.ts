// Which secret the trigger signs with, said without the secret: when the service answers
// INVALID_SIGNATURE, the developer learns which secret was used and how to align the two.
import { LOCAL_DEVELOPMENT_SECRET } from '../../config/settings.js'

export interface SigningSecret {
  secret: string
  /** Where it came from and how it ends, e.g. "STRIPE_WEBHOOK_SECRET from .env (…a1b2)"; never the secret. */
  described: string
}

/** The last 4 characters: enough to tell two secrets apart, far too few to sign with. */
function lastFour (secret: string): string {
  return `…${secret.slice(-4)}`
}

/**
 * The secret to sign with: `--secret` when given, else the first of `configured` (STRIPE_WEBHOOK_SECRET's
 * secrets, from the environment `env` or from .env beneath it), else the local development secret.
 */
export function chooseSigningSecret (configured: readonly string[], env: Record<string, string | undefined>, given: string | undefined): SigningSecret {
  if (given !== undefined) return { secret: given, described: `the --secret given (${lastFour(given)})` }
  const first = configured[0]
  if (first === undefined) {
    return { secret: LOCAL_DEVELOPMENT_SECRET, described: `the local development secret (${LOCAL_DEVELOPMENT_SECRET.slice(0, 10)}…), as STRIPE_WEBHOOK_SECRET is not set here` }
  }
  const source = (env.STRIPE_WEBHOOK_SECRET ?? '') === '' ? '.env' : 'the environment'
  return { secret: first, described: `STRIPE_WEBHOOK_SECRET from ${source} (${lastFour(first)})` }
}

/** The lines printed after a 400 INVALID_SIGNATURE: which secret signed, and how to align the service with it. */
export function invalidSignatureHint (signing: SigningSecret): string[] {
  return [
    `The service checks signatures against its own STRIPE_WEBHOOK_SECRET, and this event was signed with ${signing.described}.`,
    'To align them: start the service from this folder with the same .env (npm run dev, or npm start after npm run build), ' +
      'or pass the service\'s secret with --secret whsec_... (npm run dev without a secret uses the local development secret).'
  ]
}
