// How a raw setting value is read before it is checked against the schema: an empty value means
// unset (`PORT=` in a .env, `DATABASE_URL=` left blank), and a setting with a list of allowed values
// takes any case of them (`LOG_LEVEL=INFO`). Applied inside env-schema's validation, so it covers the
// process environment and the .env file alike.

interface SchemaWithProperties {
  properties?: Record<string, { enum?: readonly string[], default?: unknown }>
}

/**
 * An Ajv keyword (`settingValues: true` on the settings schema's root) that gives an empty value the
 * setting's default (or drops it) and maps each enum setting's value to its allowed spelling. It runs
 * after Ajv fills in the defaults of missing settings, before each setting is checked.
 */
export const settingValuesKeyword = {
  keyword: 'settingValues',
  type: 'object' as const,
  schemaType: 'boolean' as const,
  modifying: true,
  errors: false as const,
  before: 'properties',
  compile: (_enabled: boolean, parentSchema: Record<string, unknown>) => (data: Record<string, unknown>): boolean => {
    const { properties } = parentSchema as SchemaWithProperties
    for (const [name, value] of Object.entries(data)) {
      const property = properties?.[name]
      if (value === '') {
        if (property?.default === undefined) delete data[name]
        else data[name] = property.default
        continue
      }
      const allowed = property?.enum
      if (allowed !== undefined && typeof value === 'string') {
        data[name] = allowed.find((spelling) => spelling.toLowerCase() === value.toLowerCase()) ?? value
      }
    }
    return true
  }
}

/** The environment without its empty values, so that `PORT=` in the environment lets `.env`'s PORT apply. */
export function withoutEmptyValues (env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''))
}
