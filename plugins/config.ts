// Reads the settings once, through @fastify/env, and refuses to start with a message that names
// the setting and says how to fix it.
import fastifyEnv from '@fastify/env'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { LOCAL_DEVELOPMENT_SECRET, settingsSchema, type SettingName, type Settings } from '../config/settings.js'
import { InvalidSettingError } from '../src/errors.js'
import { redactCredentials } from '../src/redact-credentials.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Settings
  }
}

export interface ConfigOptions {
  /** The environment to read: `process.env` in the server, plain data in tests. */
  env: Record<string, string | undefined>
  /** Operator commands read the store, not deliveries: they need no signing secret. */
  secretOptional?: boolean
}

interface AjvError {
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

function describeSetting (name: string): string {
  const property = settingsSchema.properties[name as SettingName]
  return property === undefined ? '' : ` Set ${name} to ${property.description}.`
}

function explainInvalidEnv (error: Error & { errors?: AjvError[] }, env: ConfigOptions['env']): string {
  const first = error.errors?.[0]
  if (first === undefined) return error.message
  const name = first.instancePath.replace(/^\//, '') || String(first.params.missingProperty ?? '')
  const got = env[name]
  // A secret's value is never echoed, not even a malformed one; nor is a password in a URL.
  const shown = got === undefined || /SECRET|KEY/.test(name) ? '' : ` (got ${redactCredentials(JSON.stringify(got))})`
  return `${name} ${first.message ?? 'is invalid'}${shown}.${describeSetting(name)}`
}

function parseWebhookSecrets (settings: Settings, log: { warn: (msg: string) => void }, optional: boolean): string[] {
  const raw = settings.STRIPE_WEBHOOK_SECRET?.trim() ?? ''
  if (raw === '' && optional) return []
  if (raw === '') {
    if (settings.NODE_ENV === 'development') {
      log.warn(`STRIPE_WEBHOOK_SECRET is not set: using the local development secret ${LOCAL_DEVELOPMENT_SECRET}. ` +
        'Only locally signed events will verify; never run like this in production.')
      return [LOCAL_DEVELOPMENT_SECRET]
    }
    throw new InvalidSettingError('STRIPE_WEBHOOK_SECRET is required.' + describeSetting('STRIPE_WEBHOOK_SECRET') +
      ' (Only NODE_ENV=development runs without it, on a local development secret.)')
  }
  const secrets = raw.split(',').map((secret) => secret.trim())
  secrets.forEach((secret, index) => {
    if (!/^whsec_[A-Za-z0-9_]+$/.test(secret)) {
      // Only the position is named: the value is a secret and must not reach a log.
      throw new InvalidSettingError(`STRIPE_WEBHOOK_SECRET entry ${index + 1} of ${secrets.length} is not a webhook ` +
        'signing secret: each must start with whsec_ and hold only letters, digits and underscores, ' +
        'secrets separated by commas.' + describeSetting('STRIPE_WEBHOOK_SECRET'))
    }
  })
  return [...new Set(secrets)]
}

const config: FastifyPluginAsync<ConfigOptions> = async (fastify, opts) => {
  try {
    await fastify.register(fastifyEnv, { schema: settingsSchema, data: opts.env, env: false, dotenv: false })
  } catch (error) {
    throw new InvalidSettingError(explainInvalidEnv(error as Error, opts.env))
  }
  const { PORT, METRICS_PORT } = fastify.config
  // Both listeners on one port: the second could never bind.
  if (METRICS_PORT !== undefined && METRICS_PORT === PORT) {
    throw new InvalidSettingError(`METRICS_PORT is the same port as PORT (${PORT}).${describeSetting('METRICS_PORT')}` +
      ' Give it a port of its own, or unset it to serve /metrics beside the webhook.')
  }
  fastify.config.webhookSecrets = parseWebhookSecrets(fastify.config, fastify.log, opts.secretOptional === true)
  fastify.log.level = fastify.config.LOG_LEVEL
}

export default fp(config, { name: 'config', fastify: '5.x' })
