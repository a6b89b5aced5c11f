// A bare Fastify for testing one supporting plugin outside the app: the plugin and the plugins it
// declares as dependencies are registered by the test itself, nothing else.
import Fastify, { type FastifyInstance } from 'fastify'
import config from '../../plugins/config.js'
import { logCapture, temporaryDir, TEST_WEBHOOK_SECRET, type LogLine } from '../helper.js'

interface Teardown {
  teardown: (fn: () => unknown) => void
}

export interface BareFastify {
  fastify: FastifyInstance
  /** Every line the instance logged (info and above), parsed. */
  logs: LogLine[]
}

/** `Fastify()` with its log captured, closed when the test ends. */
export function bareFastify (t: Teardown): BareFastify {
  const { stream, logs } = logCapture()
  const fastify = Fastify({ logger: { level: 'info', stream } })
  t.teardown(() => fastify.close())
  return { fastify, logs }
}

/**
 * Registers the config plugin, the dependency most plugins declare, with the test defaults (the
 * test secret, NODE_ENV=test, a SQLite store in a folder removed when the test ends) under `env`.
 */
export async function registerSettings (t: Teardown, fastify: FastifyInstance, env: Record<string, string | undefined> = {}): Promise<void> {
  await fastify.register(config, { env: { NODE_ENV: 'test', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, DATA_DIR: temporaryDir(t), ...env } })
}
