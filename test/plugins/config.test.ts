import { test } from 'tap'
import Fastify from 'fastify'
import config from '../../plugins/config.js'
import { LOCAL_DEVELOPMENT_SECRET } from '../../config/settings.js'
import { TEST_WEBHOOK_SECRET } from '../helper.js'

async function loadConfig (env: Record<string, string | undefined>) {
  const fastify = Fastify({ logger: false })
  await fastify.register(config, { env })
  await fastify.ready()
  return fastify
}

test('defaults follow Stripe\'s guide: port 4242, path /webhook, 300 s tolerance', async (t) => {
  const fastify = await loadConfig({ STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET })
  t.teardown(() => fastify.close())
  t.match(fastify.config, {
    NODE_ENV: 'production',
    PORT: 4242,
    HOST: '0.0.0.0',
    LOG_LEVEL: 'info',
    WEBHOOK_PATH: '/webhook',
    STRIPE_SIGNATURE_TOLERANCE: 300,
    BODY_LIMIT: 1048576,
    webhookSecrets: [TEST_WEBHOOK_SECRET]
  })
})

test('settings are read from the environment given, with numbers coerced', async (t) => {
  const fastify = await loadConfig({
    STRIPE_WEBHOOK_SECRET: 'whsec_one,whsec_two,whsec_one',
    PORT: '8080',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    WEBHOOK_PATH: '/stripe/webhook',
    STRIPE_SIGNATURE_TOLERANCE: '120',
    BODY_LIMIT: '65536'
  })
  t.teardown(() => fastify.close())
  t.match(fastify.config, { PORT: 8080, HOST: '127.0.0.1', WEBHOOK_PATH: '/stripe/webhook', STRIPE_SIGNATURE_TOLERANCE: 120, BODY_LIMIT: 65536 })
  t.same(fastify.config.webhookSecrets, ['whsec_one', 'whsec_two'], 'secrets split, trimmed and deduplicated')
  t.equal(fastify.log.level, 'warn', 'LOG_LEVEL sets the logger\'s level')
})

test('a missing or malformed setting stops start-up naming it and how to fix it', async (t) => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['no secret in production', {}, /STRIPE_WEBHOOK_SECRET is required\. Set STRIPE_WEBHOOK_SECRET to the endpoint signing secret/],
    ['no secret in test', { NODE_ENV: 'test' }, /STRIPE_WEBHOOK_SECRET is required/],
    ['a key instead of a secret', { STRIPE_WEBHOOK_SECRET: 'sk_test_123' }, /STRIPE_WEBHOOK_SECRET entry 1 of 1 is not a webhook signing secret: each must start with whsec_/],
    ['an empty entry', { STRIPE_WEBHOOK_SECRET: 'whsec_a,,whsec_b' }, /STRIPE_WEBHOOK_SECRET entry 2 of 3 is not a webhook signing secret/],
    ['a port that is not a number', { STRIPE_WEBHOOK_SECRET: 'whsec_a', PORT: 'http' }, /PORT must be integer \(got "http"\)\. Set PORT to the TCP port to listen on/],
    ['a port out of range', { STRIPE_WEBHOOK_SECRET: 'whsec_a', PORT: '70000' }, /PORT must be <= 65535/],
    ['a path without a slash', { STRIPE_WEBHOOK_SECRET: 'whsec_a', WEBHOOK_PATH: 'webhook' }, /WEBHOOK_PATH must match pattern .* Set WEBHOOK_PATH to the path Stripe posts events to, starting with a slash/],
    ['an unknown log level', { STRIPE_WEBHOOK_SECRET: 'whsec_a', LOG_LEVEL: 'verbose' }, /LOG_LEVEL must be equal to one of the allowed values \(got "verbose"\)\. Set LOG_LEVEL to one of fatal/],
    ['a zero tolerance', { STRIPE_WEBHOOK_SECRET: 'whsec_a', STRIPE_SIGNATURE_TOLERANCE: '0' }, /STRIPE_SIGNATURE_TOLERANCE must be >= 1/],
    ['a tiny body limit', { STRIPE_WEBHOOK_SECRET: 'whsec_a', BODY_LIMIT: '10' }, /BODY_LIMIT must be >= 1024/],
    ['an unknown NODE_ENV', { STRIPE_WEBHOOK_SECRET: 'whsec_a', NODE_ENV: 'staging' }, /NODE_ENV must be equal to one of the allowed values/],
    ['a thin path without a slash', { STRIPE_WEBHOOK_SECRET: 'whsec_a', THIN_WEBHOOK_PATH: 'thin' }, /THIN_WEBHOOK_PATH must match pattern .* Set THIN_WEBHOOK_PATH to the path a Stripe event destination posts thin events/],
    ['an API protocol that is neither', { STRIPE_WEBHOOK_SECRET: 'whsec_a', STRIPE_API_PROTOCOL: 'ftp' }, /STRIPE_API_PROTOCOL must be equal to one of the allowed values \(got "ftp"\)/]
  ]
  for (const [name, env, message] of cases) {
    await t.rejects(loadConfig(env), { code: 'INVALID_SETTING', message }, name)
  }
})

test('a malformed API key is never echoed back either', async (t) => {
  const error = await loadConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_a', STRIPE_SECRET_KEY: '' }).catch((err: Error) => err)
  t.match(error, { code: 'INVALID_SETTING', message: /STRIPE_SECRET_KEY must NOT have fewer than 1 characters\. Set STRIPE_SECRET_KEY to a Stripe secret or restricted key/ })
  t.notMatch((error as Error).message, /got/)
})

test('a malformed secret is never echoed back', async (t) => {
  const secret = 'whsec_has space'
  const error = await loadConfig({ STRIPE_WEBHOOK_SECRET: secret }).catch((err: Error) => err)
  t.type(error, Error)
  t.notOk((error as Error).message.includes('has space'))
})

test('development runs without a secret, on a clearly marked local one, and says so', async (t) => {
  const lines: string[] = []
  const fastify = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { lines.push(line) } } } })
  t.teardown(() => fastify.close())
  await fastify.register(config, { env: { NODE_ENV: 'development' } })
  await fastify.ready()
  t.same(fastify.config.webhookSecrets, [LOCAL_DEVELOPMENT_SECRET])
  t.match(lines.join(''), /local development secret.*never run like this in production/)
})
