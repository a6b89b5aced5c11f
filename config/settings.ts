// The one schema of the service's settings. Each `description` is shown to the operator when the
// setting is missing or malformed, so it says what a good value looks like.

export const settingsSchema = {
  type: 'object',
  required: [],
  properties: {
    NODE_ENV: {
      type: 'string',
      enum: ['production', 'development', 'test'],
      default: 'production',
      description: 'one of production, development or test; anything but development requires STRIPE_WEBHOOK_SECRET'
    },
    STRIPE_WEBHOOK_SECRET: {
      type: 'string',
      description: 'the endpoint signing secret from the Stripe Dashboard or `stripe listen` (whsec_...); ' +
        'several secrets comma-separated while rolling a secret or serving test and live endpoints'
    },
    PORT: {
      type: 'integer',
      minimum: 0,
      maximum: 65535,
      default: 4242,
      description: 'the TCP port to listen on, e.g. 4242'
    },
    HOST: {
      type: 'string',
      minLength: 1,
      default: '0.0.0.0',
      description: 'the address to listen on, e.g. 0.0.0.0 for every interface or 127.0.0.1 for this machine only'
    },
    LOG_LEVEL: {
      type: 'string',
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      description: 'one of fatal, error, warn, info, debug, trace, silent'
    },
    WEBHOOK_PATH: {
      type: 'string',
      pattern: '^/[A-Za-z0-9/_.~-]*$',
      default: '/webhook',
      description: 'the path Stripe posts events to, starting with a slash, e.g. /webhook'
    },
    STRIPE_SIGNATURE_TOLERANCE: {
      type: 'integer',
      minimum: 1,
      maximum: 86400,
      default: 300,
      description: 'how many seconds old a signature may be before it is refused as a replay, e.g. 300 (Stripe\'s default)'
    },
    BODY_LIMIT: {
      type: 'integer',
      minimum: 1024,
      maximum: 104857600,
      default: 1048576,
      description: 'the largest request body accepted, in bytes, e.g. 1048576 (1 MiB)'
    }
  }
} as const

export type SettingName = keyof typeof settingsSchema.properties

/** The settings as they reach code through `fastify.config`. */
export interface Settings {
  NODE_ENV: 'production' | 'development' | 'test'
  STRIPE_WEBHOOK_SECRET?: string
  PORT: number
  HOST: string
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  WEBHOOK_PATH: string
  STRIPE_SIGNATURE_TOLERANCE: number
  BODY_LIMIT: number
  /** STRIPE_WEBHOOK_SECRET split into its secrets, or the local development secret. */
  webhookSecrets: string[]
}

/**
 * Used only when NODE_ENV=development and no secret is configured, so that a local loop works
 * without a Stripe account. Its name says what it is, should it ever show up anywhere else.
 */
export const LOCAL_DEVELOPMENT_SECRET = 'whsec_local_development_only_never_use_in_production'
