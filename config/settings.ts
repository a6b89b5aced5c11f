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
      // No schema default: it depends on NODE_ENV (see defaultHost).
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
    THIN_WEBHOOK_PATH: {
      type: 'string',
      pattern: '^/[A-Za-z0-9/_.~-]*$',
      default: '/webhook/thin',
      description: 'the path a Stripe event destination posts thin events (v2.core.event notifications) to, e.g. /webhook/thin'
    },
    STRIPE_SECRET_KEY: {
      type: 'string',
      minLength: 1,
      description: 'a Stripe secret or restricted key (sk_... or rk_...), used by thin-event handlers to fetch the ' +
        'event or its object and by reconciliation (RECONCILE_INTERVAL, events reconcile) to list events; never logged'
    },
    STRIPE_API_HOST: {
      type: 'string',
      minLength: 1,
      description: 'the Stripe API host for thin-event fetches and reconciliation, if not api.stripe.com (a local fake of the API in tests)'
    },
    STRIPE_API_PORT: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      description: 'the Stripe API port, if not 443'
    },
    STRIPE_API_PROTOCOL: {
      type: 'string',
      enum: ['http', 'https'],
      description: 'http or https (the default) for the Stripe API'
    },
    RECONCILE_INTERVAL: {
      type: 'string',
      pattern: '^[1-9][0-9]*[smhd]$',
      description: 'how often the service lists, with STRIPE_SECRET_KEY, the events Stripe failed to deliver (delivery_success=false) ' +
        'and stores those it lacks, e.g. 15m (s, m, h or d); one replica sweeps at a time; unset: no sweep'
    },
    STRIPE_SIGNATURE_TOLERANCE: {
      type: 'integer',
      minimum: 1,
      maximum: 86400,
      default: 300,
      description: 'how many seconds old a signature may be before it is refused as a replay, e.g. 300 (Stripe\'s default)'
    },
    HANDLERS_DIR: {
      type: 'string',
      minLength: 1,
      description: 'the folder of handler files, if not the handlers/ folder the service was built with'
    },
    EVENT_STORE: {
      type: 'string',
      enum: ['sqlite', 'postgres', 'none'],
      description: 'sqlite (the default), postgres (the default when DATABASE_URL is set), or none to keep no events ' +
        '(no deduplication, no retries: handlers run inline)'
    },
    DATA_DIR: {
      type: 'string',
      minLength: 1,
      default: './data',
      description: 'the folder of the SQLite event store, e.g. ./data; created on first start'
    },
    DATABASE_URL: {
      type: 'string',
      pattern: '^postgres(ql)?://',
      description: 'a PostgreSQL connection string, e.g. postgres://user:password@db:5432/stripe_events'
    },
    DATABASE_CONNECT_TIMEOUT_MS: {
      type: 'integer',
      minimum: 100,
      maximum: 600000,
      default: 5000,
      description: 'how long opening a PostgreSQL connection may take before it counts as failed, in milliseconds, e.g. 5000'
    },
    DATABASE_STATEMENT_TIMEOUT_MS: {
      type: 'integer',
      minimum: 100,
      maximum: 600000,
      default: 10000,
      description: 'how long one PostgreSQL statement, or a transaction left idle, may take before it is cancelled, in milliseconds, e.g. 10000'
    },
    SQLITE_LOCK_TIMEOUT_MS: {
      type: 'integer',
      minimum: 0,
      maximum: 60000,
      default: 1500,
      description: 'how long a write waits for a SQLite file locked by another process before the delivery is refused with 503, in milliseconds, e.g. 1500'
    },
    SQLITE_SYNCHRONOUS: {
      type: 'string',
      enum: ['FULL', 'NORMAL'],
      default: 'FULL',
      description: 'FULL (the default) syncs every commit to disk before the 2xx; NORMAL is faster but an OS crash or power loss ' +
        'may lose events already acknowledged (for benchmarks, not production)'
    },
    PROCESSING_MODE: {
      type: 'string',
      enum: ['queued', 'inline'],
      default: 'queued',
      description: 'queued (answer once the event is stored, handle it in the background) or inline (handle it before answering)'
    },
    MAX_ATTEMPTS: {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 12,
      description: 'how many times a queued event\'s handler runs before the event is marked failed, e.g. 12'
    },
    RETRY_BASE_DELAY_MS: {
      type: 'integer',
      minimum: 1,
      default: 5000,
      description: 'the wait before the first retry, in milliseconds, doubled at each retry, e.g. 5000'
    },
    RETRY_MAX_DELAY_MS: {
      type: 'integer',
      minimum: 1,
      default: 3600000,
      description: 'the longest wait between retries, in milliseconds, e.g. 3600000 (an hour)'
    },
    LEASE_SECONDS: {
      type: 'integer',
      minimum: 1,
      maximum: 3600,
      default: 60,
      description: 'how long a worker holds an event before another may take it over, renewed while its handler runs, e.g. 60'
    },
    WORKER_CONCURRENCY: {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      default: 32,
      description: 'how many queued events one instance handles at once, e.g. 32'
    },
    POLL_INTERVAL_MS: {
      type: 'integer',
      minimum: 10,
      default: 1000,
      description: 'how often an idle worker looks for due retries and events received by other replicas, in milliseconds'
    },
    RETENTION_DAYS: {
      type: 'integer',
      minimum: 0,
      default: 30,
      description: 'after how many days handled events are deleted (failed ones are kept); 0 keeps everything'
    },
    SHUTDOWN_GRACE_MS: {
      type: 'integer',
      minimum: 0,
      maximum: 600000,
      default: 10000,
      description: 'how long a shutdown waits for running handlers before releasing their events for retry, in milliseconds, e.g. 10000'
    },
    HANDLER_TIMEOUT_MS: {
      type: 'integer',
      minimum: 10,
      maximum: 3600000,
      default: 60000,
      description: 'how long one handler run may take before it counts as failed and is retried, in milliseconds, e.g. 60000'
    },
    METRICS_PORT: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      description: 'a separate port for GET /metrics (and the health routes), e.g. 9464; unset serves them beside the webhook'
    },
    LIVEMODE: {
      type: 'string',
      enum: ['any', 'live', 'test'],
      default: 'any',
      description: 'live to handle only live-mode events, test to handle only test-mode events, or any; the others are acknowledged, stored and not handled'
    },
    STRIPE_API_VERSION: {
      type: 'string',
      // A preview endpoint's version carries its betas: `2025-04-30.preview; some_beta=v1`.
      pattern: '^\\d{4}-\\d{2}-\\d{2}(\\.[a-z_]+)?(; ?[a-z0-9_]+=v\\d+)*$',
      description: 'the API version the handlers are written for, e.g. 2026-10-28.endive, or a preview one such as 2025-04-30.preview; some_beta=v1; events of another release (the name after the date) are handled with a warning. Defaults to the installed stripe package\'s'
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

/** The settings as validated by the schema (readSettings); what they imply is in resolved-settings.ts. */
export interface Settings {
  NODE_ENV: 'production' | 'development' | 'test'
  STRIPE_WEBHOOK_SECRET?: string
  PORT: number
  HOST: string
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  WEBHOOK_PATH: string
  THIN_WEBHOOK_PATH: string
  STRIPE_SECRET_KEY?: string
  STRIPE_API_HOST?: string
  STRIPE_API_PORT?: number
  STRIPE_API_PROTOCOL?: 'http' | 'https'
  RECONCILE_INTERVAL?: string
  STRIPE_SIGNATURE_TOLERANCE: number
  BODY_LIMIT: number
  HANDLERS_DIR?: string
  EVENT_STORE?: 'sqlite' | 'postgres' | 'none'
  DATA_DIR: string
  DATABASE_URL?: string
  DATABASE_CONNECT_TIMEOUT_MS: number
  DATABASE_STATEMENT_TIMEOUT_MS: number
  SQLITE_LOCK_TIMEOUT_MS: number
  SQLITE_SYNCHRONOUS: 'FULL' | 'NORMAL'
  PROCESSING_MODE: 'queued' | 'inline'
  MAX_ATTEMPTS: number
  RETRY_BASE_DELAY_MS: number
  RETRY_MAX_DELAY_MS: number
  LEASE_SECONDS: number
  WORKER_CONCURRENCY: number
  POLL_INTERVAL_MS: number
  RETENTION_DAYS: number
  SHUTDOWN_GRACE_MS: number
  HANDLER_TIMEOUT_MS: number
  METRICS_PORT?: number
  LIVEMODE: 'any' | 'live' | 'test'
  STRIPE_API_VERSION?: string
}

/**
 * Used only when NODE_ENV=development and no secret is configured, so that a local loop works
 * without a Stripe account. Its name says what it is, should it ever show up anywhere else.
 */
export const LOCAL_DEVELOPMENT_SECRET = 'whsec_local_development_only_never_use_in_production'

/**
 * HOST when unset: 127.0.0.1 in development, which runs on a signing secret printed in the README
 * and so must not be reachable from the network; every interface otherwise (containers, servers).
 */
export function defaultHost (nodeEnv: Settings['NODE_ENV']): string {
  return nodeEnv === 'development' ? '127.0.0.1' : '0.0.0.0'
}
