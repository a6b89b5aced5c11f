// The one settings reader: the environment over a .env file, checked by the one schema through
// env-schema (what @fastify/env wraps), with no Fastify instance, so the service and every command
// read the same settings the same way.
import envSchema from 'env-schema'
import { InvalidSettingError } from '../src/errors.js'
import { settingValuesKeyword, withoutEmptyValues } from './setting-values.js'
import { describeSetting, explainSchemaErrors, type SchemaError } from './setting-problems.js'
import { defaultHost, settingsSchema, type Settings } from './settings.js'
import { dotenvFileFor } from './settings-source.js'

export interface ReadSettingsOptions {
  /** The environment to read: `process.env` unless given (tests give plain data). */
  env?: Record<string, string | undefined>
  /**
   * A .env file (path, relative to the working directory) read beneath `env`: `env` wins over it.
   * Unset: `.env` when `env` is `process.env`, none when the settings are given as data.
   */
  dotenv?: string | false
}

// The Ajv instance env-schema validates with, typed from env-schema's own options (ajv is not a
// dependency of this project).
type SettingsValidator = Exclude<NonNullable<Parameters<typeof envSchema>[0]>['ajv'], { customOptions: unknown } | undefined>

// The validator that compiled the schema, kept for the process (a memo of fixed data): every app
// built and every command run would otherwise compile the schema again, a few milliseconds each,
// which the trigger pays once per event it sends.
let settingsValidator: SettingsValidator | undefined

/**
 * The validated settings: every default applied (HOST's by NODE_ENV), enum values in their allowed
 * spelling, empty values unset. Throws InvalidSettingError (code INVALID_SETTING) whose message
 * names the first malformed setting and what a good value looks like, e.g. `Invalid configuration:
 * PORT must be a whole number (got "http"). Set PORT to the TCP port to listen on, e.g. 4242.`
 * Whether a signing secret is needed is not decided here: see config/webhook-secrets.ts.
 */
export function readSettings (options: ReadSettingsOptions = {}): Settings {
  const given = options.env ?? process.env
  const dotenv = options.dotenv ?? dotenvFileFor(given)
  const env = withoutEmptyValues(given)
  let read: Omit<Settings, 'HOST'> & { HOST?: string }
  try {
    read = envSchema<typeof read>({
      // A copy each time: env-schema sets additionalProperties on the schema it is given.
      schema: { ...settingsSchema, settingValues: true },
      data: env,
      env: false,
      // env-schema's own .env reading (Node's util.parseEnv): the file lies beneath `data`.
      dotenv: dotenv === false ? false : { path: dotenv },
      ajv: settingsValidator ?? { customOptions: (fresh) => (settingsValidator = fresh.addKeyword(settingValuesKeyword)) }
    })
  } catch (error) {
    throw new InvalidSettingError(explainSchemaErrors((error as { errors?: SchemaError[] }).errors, (error as Error).message, env))
  }
  const settings: Settings = { ...read, HOST: read.HOST ?? defaultHost(read.NODE_ENV) }
  // Both listeners on one port: the second could never bind.
  if (settings.METRICS_PORT !== undefined && settings.METRICS_PORT === settings.PORT) {
    throw new InvalidSettingError(`METRICS_PORT is the same port as PORT (${settings.PORT}).${describeSetting('METRICS_PORT')}` +
      ' Give it a port of its own, or unset it to serve /metrics beside the webhook.')
  }
  return settings
}
