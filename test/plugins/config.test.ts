import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import Fastify from 'fastify'
import config from '../../plugins/config.js'
import { LOCAL_DEVELOPMENT_SECRET, settingsSchema } from '../../config/settings.js'
import { temporaryDir, TEST_WEBHOOK_SECRET } from '../helper.js'

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
    ['a port that is not a number', { STRIPE_WEBHOOK_SECRET: 'whsec_a', PORT: 'http' }, /PORT must be a whole number \(got "http"\)\. Set PORT to the TCP port to listen on/],
    ['a port out of range', { STRIPE_WEBHOOK_SECRET: 'whsec_a', PORT: '70000' }, /PORT must be at most 65535 \(got "70000"\)/],
    ['a path without a slash', { STRIPE_WEBHOOK_SECRET: 'whsec_a', WEBHOOK_PATH: 'webhook' }, /WEBHOOK_PATH is not in the expected form \(got "webhook"\)\. Set WEBHOOK_PATH to the path Stripe posts events to, starting with a slash/],
    ['an unknown log level', { STRIPE_WEBHOOK_SECRET: 'whsec_a', LOG_LEVEL: 'verbose' }, /^Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace or silent \(got "verbose"\)\.$/],
    ['a zero tolerance', { STRIPE_WEBHOOK_SECRET: 'whsec_a', STRIPE_SIGNATURE_TOLERANCE: '0' }, /STRIPE_SIGNATURE_TOLERANCE must be at least 1/],
    ['a tiny body limit', { STRIPE_WEBHOOK_SECRET: 'whsec_a', BODY_LIMIT: '10' }, /BODY_LIMIT must be at least 1024/],
    ['an unknown NODE_ENV', { STRIPE_WEBHOOK_SECRET: 'whsec_a', NODE_ENV: 'staging' }, /NODE_ENV must be one of production, development or test \(got "staging"\)/],
    ['a thin path without a slash', { STRIPE_WEBHOOK_SECRET: 'whsec_a', THIN_WEBHOOK_PATH: 'thin' }, /THIN_WEBHOOK_PATH is not in the expected form .* Set THIN_WEBHOOK_PATH to the path a Stripe event destination posts thin events/],
    ['an API protocol that is neither', { STRIPE_WEBHOOK_SECRET: 'whsec_a', STRIPE_API_PROTOCOL: 'ftp' }, /STRIPE_API_PROTOCOL must be one of http or https \(got "ftp"\)/]
  ]
  for (const [name, env, message] of cases) {
    await t.rejects(loadConfig(env), { code: 'INVALID_SETTING', message }, name)
  }
})

test('no message reads like the schema validator: each names the allowed values or the limit in plain words', async (t) => {
  const malformed: Record<string, string> = {
    PORT: 'http',
    LOG_LEVEL: 'verbose',
    NODE_ENV: 'staging',
    EVENT_STORE: 'mysql',
    PROCESSING_MODE: 'later',
    LIVEMODE: 'both',
    SQLITE_SYNCHRONOUS: 'OFF',
    STRIPE_API_PROTOCOL: 'ftp',
    WEBHOOK_PATH: 'x',
    DATABASE_URL: 'mysql://db',
    MAX_ATTEMPTS: '0',
    METRICS_PORT: '70000'
  }
  for (const [name, value] of Object.entries(malformed)) {
    const error = await loadConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_a', [name]: value }).catch((err: Error) => err)
    t.match(error, { code: 'INVALID_SETTING', message: new RegExp(`^Invalid configuration: ${name} `) }, name)
    t.notMatch((error as Error).message, /must be equal to|must match pattern|must be integer|must be [<>]=|NOT have/, `${name} in plain words`)
  }
})

test('enum settings take any case: LOG_LEVEL=INFO, NODE_ENV=Test, EVENT_STORE=SQLite', async (t) => {
  const fastify = await loadConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_a', LOG_LEVEL: 'WARN', NODE_ENV: 'Test', EVENT_STORE: 'SQLite', SQLITE_SYNCHRONOUS: 'normal', LIVEMODE: 'LIVE' })
  t.teardown(() => fastify.close())
  t.match(fastify.config, { LOG_LEVEL: 'warn', NODE_ENV: 'test', EVENT_STORE: 'sqlite', SQLITE_SYNCHRONOUS: 'NORMAL', LIVEMODE: 'live' })
  t.equal(fastify.log.level, 'warn', 'and the logger takes it')
})

test('an empty value means unset: the default applies, an optional setting stays unset', async (t) => {
  const fastify = await loadConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_a', PORT: '', LOG_LEVEL: '', DATABASE_URL: '', METRICS_PORT: '', STRIPE_SECRET_KEY: '', EVENT_STORE: '' })
  t.teardown(() => fastify.close())
  t.equal(fastify.config.PORT, 4242, 'PORT= is the default 4242, not 0 (a random port)')
  t.equal(fastify.config.LOG_LEVEL, 'info')
  t.equal(fastify.config.DATABASE_URL, undefined)
  t.equal(fastify.config.METRICS_PORT, undefined)
  t.equal(fastify.config.STRIPE_SECRET_KEY, undefined)
  t.equal(fastify.config.EVENT_STORE, undefined)
})

test('HOST defaults to 127.0.0.1 in development and to every interface otherwise; a set HOST wins', async (t) => {
  for (const [env, host] of [
    [{ NODE_ENV: 'development' }, '127.0.0.1'],
    [{ NODE_ENV: 'production', STRIPE_WEBHOOK_SECRET: 'whsec_a' }, '0.0.0.0'],
    [{ NODE_ENV: 'development', HOST: '0.0.0.0' }, '0.0.0.0'],
    [{ NODE_ENV: 'development', HOST: '' }, '127.0.0.1']
  ] as const) {
    const fastify = await loadConfig(env)
    t.equal(fastify.config.HOST, host, JSON.stringify(env))
    await fastify.close()
  }
})

test('conflicting settings start with one warning each, naming which one wins and never a key', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ EVENT_STORE: 'sqlite', DATABASE_URL: 'postgres://u:hunter2@db/x' }, /^DATABASE_URL is set but EVENT_STORE=sqlite: events are stored in SQLite under DATA_DIR \(\.\/data\) and DATABASE_URL is ignored/],
    [{ EVENT_STORE: 'none', DATABASE_URL: 'postgres://db/x' }, /^DATABASE_URL is set but EVENT_STORE=none: events are stored nowhere/],
    [{ LIVEMODE: 'live', STRIPE_SECRET_KEY: 'sk_test_51abcdef' }, /^LIVEMODE=live but STRIPE_SECRET_KEY is a test-mode key/],
    [{ LIVEMODE: 'test', STRIPE_SECRET_KEY: 'rk_live_51abcdef' }, /^LIVEMODE=test but STRIPE_SECRET_KEY is a live-mode key/],
    [{ RETRY_BASE_DELAY_MS: '60000', RETRY_MAX_DELAY_MS: '1000' }, /^RETRY_BASE_DELAY_MS \(60000\) is longer than RETRY_MAX_DELAY_MS \(1000\)/]
  ]
  for (const [env, message] of cases) {
    const lines: Array<{ level: number, msg: string }> = []
    const fastify = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
    await fastify.register(config, { env: { STRIPE_WEBHOOK_SECRET: 'whsec_a', ...env } })
    await fastify.ready()
    await fastify.close()
    const warnings = lines.filter((line) => line.level === 40)
    t.equal(warnings.length, 1, JSON.stringify(env))
    t.match(warnings[0]?.msg, message)
    t.notMatch(JSON.stringify(lines), /hunter2|51abcdef/, 'no credential in the line')
  }
  const lines: string[] = []
  const quiet = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { lines.push(line) } } } })
  await quiet.register(config, { env: { STRIPE_WEBHOOK_SECRET: 'whsec_a', DATABASE_URL: 'postgres://db/x', LIVEMODE: 'live', STRIPE_SECRET_KEY: 'sk_live_x' } })
  await quiet.ready()
  await quiet.close()
  t.same(lines, [], 'settings that agree warn of nothing')
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

test('the shipped .env.example names only known settings, and copied as .env it runs npm run dev as it stands', async (t) => {
  const example = fileURLToPath(new URL('../../.env.example', import.meta.url))
  const names = [...readFileSync(example, 'utf8').matchAll(/^([A-Z_]+)=/gm)].map((match) => match[1] as string)
  t.ok(names.includes('STRIPE_WEBHOOK_SECRET'), 'it has the signing secret')
  t.same(names.filter((name) => !(name in settingsSchema.properties)), [], 'every name is a setting')
  const fastify = Fastify({ logger: false })
  await fastify.register(config, { env: { NODE_ENV: 'development' }, dotenv: example })
  await fastify.ready()
  t.teardown(() => fastify.close())
  t.match(fastify.config, { PORT: 4242, HOST: '127.0.0.1', LOG_LEVEL: 'info', DATABASE_URL: undefined, STRIPE_SECRET_KEY: undefined, webhookSecrets: [LOCAL_DEVELOPMENT_SECRET] })
})

test('a .env file lies beneath the environment: what the environment sets wins, an empty value there lets .env\'s apply', async (t) => {
  const dotenv = join(temporaryDir(t), '.env')
  writeFileSync(dotenv, 'PORT=5000\nLOG_LEVEL=DEBUG\nWEBHOOK_PATH=/from-dotenv\nSTRIPE_WEBHOOK_SECRET=whsec_from_dotenv\n')
  const fastify = Fastify({ logger: false })
  await fastify.register(config, { env: { PORT: '6000', LOG_LEVEL: '' }, dotenv })
  await fastify.ready()
  t.teardown(() => fastify.close())
  t.match(fastify.config, { PORT: 6000, LOG_LEVEL: 'debug', WEBHOOK_PATH: '/from-dotenv', webhookSecrets: ['whsec_from_dotenv'] })
  const missing = Fastify({ logger: false })
  await missing.register(config, { env: { STRIPE_WEBHOOK_SECRET: 'whsec_a' }, dotenv: join(temporaryDir(t), '.env') })
  await missing.ready()
  t.teardown(() => missing.close())
  t.equal(missing.config.PORT, 4242, 'no .env file is no error')
})
