// Reads the settings once, through @fastify/env (the environment over a .env file), and refuses to
// start with a message that names the setting and says how to fix it in plain words.
import fastifyEnv, { type FastifyEnvOptions } from '@fastify/env'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { settingConflicts } from '../config/setting-conflicts.js'
import { settingValuesKeyword, withoutEmptyValues } from '../config/setting-values.js'
import { defaultHost, LOCAL_DEVELOPMENT_SECRET, settingsSchema, type SettingName, type Settings } from '../config/settings.js'
import { dotenvFileFor } from '../config/settings-source.js'
import { InvalidSettingError } from '../src/errors.js'
import { redactCredentials } from '../src/logging/redact-credentials.js'

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
  /**
   * A .env file (path, relative to the working directory) read beneath `env`: `env` wins over it.
   * Unset: `.env` when `env` is `process.env`, none when the settings are given as data.
   */
  dotenv?: string | false
}

// The settings schema and the validator that compiled it, kept for the process (a memo of fixed
// data): every app built and every command run would otherwise compile the schema again, a few
// milliseconds each, which the trigger pays once per event it sends.
type SettingsValidator = Exclude<NonNullable<FastifyEnvOptions['ajv']>, { customOptions: unknown }>
const settingsSchemaWithValues = { ...settingsSchema, settingValues: true }
let settingsValidator: SettingsValidator | undefined

interface AjvError {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

function describeSetting (name: string): string {
  const property = settingsSchema.properties[name as SettingName]
  return property === undefined ? '' : ` Set ${name} to ${property.description}.`
}

/** "a, b or c" */
function listInWords (values: readonly unknown[]): string {
  const words = values.map(String)
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`
}

// The validator's wording ("must be equal to one of the allowed values") said in the operator's.
function plainProblem (error: AjvError): string {
  const { params } = error
  switch (error.keyword) {
    case 'enum': return `must be one of ${listInWords(params.allowedValues as unknown[])}`
    case 'type': return params.type === 'integer' ? 'must be a whole number' : `must be ${String(params.type)}`
    case 'minimum': return `must be at least ${String(params.limit)}`
    case 'maximum': return `must be at most ${String(params.limit)}`
    case 'pattern': return 'is not in the expected form'
    case 'minLength': return 'must not be empty'
    default: return error.message ?? 'is invalid'
  }
}

function explainInvalidEnv (error: Error & { errors?: AjvError[] }, env: ConfigOptions['env']): string {
  const first = error.errors?.[0]
  if (first === undefined) return error.message
  const name = first.instancePath.replace(/^\//, '') || String(first.params.missingProperty ?? '')
  const got = env[name]
  // A secret's value is never echoed, not even a malformed one; nor is a password in a URL. A value
  // missing from the environment came from the .env file.
  const shown = got === undefined ? ' (set in .env)' : /SECRET|KEY/.test(name) ? '' : ` (got ${redactCredentials(JSON.stringify(got))})`
  // An enum's description that only lists the values again would repeat the problem.
  const repeats = first.keyword === 'enum' && settingsSchema.properties[name as SettingName]?.description.startsWith('one of')
  return `${name} ${plainProblem(first)}${shown}.${repeats === true ? '' : describeSetting(name)}`
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
  const dotenv = opts.dotenv ?? dotenvFileFor(opts.env)
  const env = withoutEmptyValues(opts.env)
  try {
    await fastify.register(fastifyEnv, {
      schema: settingsSchemaWithValues,
      data: env,
      env: false,
      // @fastify/env's own .env reading (env-schema, Node's util.parseEnv): the file lies beneath `data`.
      dotenv: dotenv === false ? false : { path: dotenv },
      // The first read makes the validator from @fastify/env's own defaults; later reads reuse it.
      ajv: settingsValidator ?? { customOptions: (fresh) => (settingsValidator = fresh.addKeyword(settingValuesKeyword)) }
    })
  } catch (error) {
    throw new InvalidSettingError(explainInvalidEnv(error as Error, env))
  }
  fastify.config.HOST ??= defaultHost(fastify.config.NODE_ENV)
  const { PORT, METRICS_PORT } = fastify.config
  // Both listeners on one port: the second could never bind.
  if (METRICS_PORT !== undefined && METRICS_PORT === PORT) {
    throw new InvalidSettingError(`METRICS_PORT is the same port as PORT (${PORT}).${describeSetting('METRICS_PORT')}` +
      ' Give it a port of its own, or unset it to serve /metrics beside the webhook.')
  }
  fastify.config.webhookSecrets = parseWebhookSecrets(fastify.config, fastify.log, opts.secretOptional === true)
  fastify.log.level = fastify.config.LOG_LEVEL
  for (const warning of settingConflicts(fastify.config)) fastify.log.warn(warning)
}

export default fp(config, { name: 'config', fastify: '5.x' })
