// A problem in the settings said in the operator's words: which setting, what is wrong with it, and
// what a good value looks like (the schema's description), never the validator's own wording.
import { settingsSchema, type SettingName } from './settings.js'
import { redactCredentials } from '../src/logging/redact-credentials.js'

/** One error as Ajv reports it (the fields read here). */
export interface SchemaError {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

/** " Set NAME to <its description>." for a known setting; empty for any other name. */
export function describeSetting (name: string): string {
  const property = settingsSchema.properties[name as SettingName]
  return property === undefined ? '' : ` Set ${name} to ${property.description}.`
}

/** "a, b or c" */
function listInWords (values: readonly unknown[]): string {
  const words = values.map(String)
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`
}

// The validator's wording ("must be equal to one of the allowed values") said in the operator's.
function plainProblem (error: SchemaError): string {
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

/**
 * The first problem of a failed validation, e.g. `PORT must be a whole number (got "http"). Set PORT
 * to ...`. `env` is the environment read: a value absent from it came from the .env file, and is
 * said so. A secret's value is never echoed, nor a password in a URL.
 */
export function explainSchemaErrors (errors: readonly SchemaError[] | undefined, fallback: string, env: Record<string, string | undefined>): string {
  const first = errors?.[0]
  if (first === undefined) return fallback
  const name = first.instancePath.replace(/^\//, '') || String(first.params.missingProperty ?? '')
  const got = env[name]
  const shown = got === undefined ? ' (set in .env)' : /SECRET|KEY/.test(name) ? '' : ` (got ${redactCredentials(JSON.stringify(got))})`
  // An enum's description that only lists the values again would repeat the problem.
  const repeats = first.keyword === 'enum' && settingsSchema.properties[name as SettingName]?.description.startsWith('one of')
  return `${name} ${plainProblem(first)}${shown}.${repeats === true ? '' : describeSetting(name)}`
}
