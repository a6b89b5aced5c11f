// The commands' settings reader: the server's own config plugin on a bare instance, so a command
// reads the environment and the .env file beneath it exactly as the service it talks to does.
import Fastify from 'fastify'
import type { Settings } from '../../config/settings.js'
import config from '../../plugins/config.js'

/**
 * The settings in `env` (with `.env` beneath it when `env` is `process.env`), checked by the same
 * schema as the server's; no signing secret is required (`webhookSecrets` is then empty).
 * Throws InvalidSettingError (code INVALID_SETTING) naming a malformed setting.
 */
export async function readSettings (env: Record<string, string | undefined>): Promise<Settings> {
  const reader = Fastify({ logger: false })
  try {
    await reader.register(config, { env, secretOptional: true })
    await reader.ready()
    return reader.config
  } finally {
    await reader.close()
  }
}
