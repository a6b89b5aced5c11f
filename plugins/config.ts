// Reads the settings once, through the one settings reader (config/read-settings.ts: the environment
// over a .env file), resolves what they imply, and decorates `fastify.config` with the result.
// A malformed setting refuses start-up with a message that names it and says how to fix it.
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { readSettings } from '../config/read-settings.js'
import { resolveSettings, type Config } from '../config/resolved-settings.js'
import { settingConflicts } from '../config/setting-conflicts.js'
import { LOCAL_DEVELOPMENT_SECRET } from '../config/settings.js'
import { runsOnDevelopmentSecret } from '../config/webhook-secrets.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export interface ConfigOptions {
  /** The environment to read: `process.env` in the server, plain data in tests. */
  env: Record<string, string | undefined>
  /**
   * A .env file (path, relative to the working directory) read beneath `env`: `env` wins over it.
   * Unset: `.env` when `env` is `process.env`, none when the settings are given as data.
   */
  dotenv?: string | false
}

const config: FastifyPluginAsync<ConfigOptions> = async (fastify, opts) => {
  const resolved = resolveSettings(readSettings({ env: opts.env, dotenv: opts.dotenv }))
  fastify.decorate('config', resolved)
  // Said at the server's own level, before LOG_LEVEL applies: running on a public secret is never quiet.
  if (runsOnDevelopmentSecret(resolved)) {
    fastify.log.warn(`STRIPE_WEBHOOK_SECRET is not set: using the local development secret ${LOCAL_DEVELOPMENT_SECRET}. ` +
      'Only locally signed events will verify; never run like this in production.')
  }
  fastify.log.level = resolved.LOG_LEVEL
  for (const warning of settingConflicts(resolved)) fastify.log.warn(warning)
}

export default fp(config, { name: 'config', fastify: '5.x' })
