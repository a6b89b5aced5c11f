// The one settings reader on plain data, with no Fastify instance: what the app and every command
// get from the same environment and .env file.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { readSettings } from '../../config/read-settings.js'
import { webhookSecrets } from '../../config/webhook-secrets.js'
import { LOCAL_DEVELOPMENT_SECRET } from '../../config/settings.js'
import { temporaryDir } from '../helper.js'

test('with nothing set, every default applies and the optional settings stay unset', async (t) => {
  const settings = readSettings({ env: {} })
  t.match(settings, {
    NODE_ENV: 'production',
    PORT: 4242,
    HOST: '0.0.0.0',
    LOG_LEVEL: 'info',
    WEBHOOK_PATH: '/webhook',
    THIN_WEBHOOK_PATH: '/webhook/thin',
    STRIPE_SIGNATURE_TOLERANCE: 300,
    DATA_DIR: './data',
    PROCESSING_MODE: 'queued',
    LIVEMODE: 'any',
    BODY_LIMIT: 1048576
  })
  for (const name of ['STRIPE_WEBHOOK_SECRET', 'DATABASE_URL', 'EVENT_STORE', 'METRICS_PORT', 'HANDLERS_DIR', 'STRIPE_SECRET_KEY'] as const) {
    t.equal(settings[name], undefined, `${name} unset`)
  }
  t.notOk('webhookSecrets' in settings, 'nothing derived is written onto the validated settings')
  t.equal(readSettings({ env: { NODE_ENV: 'development' } }).HOST, '127.0.0.1', 'development listens on this machine only')
})

test('values are coerced, enum values take any case, and an empty value means unset', async (t) => {
  const settings = readSettings({ env: { PORT: '8080', LOG_LEVEL: 'DEBUG', EVENT_STORE: 'SQLite', METRICS_PORT: '', WEBHOOK_PATH: '' } })
  t.match(settings, { PORT: 8080, LOG_LEVEL: 'debug', EVENT_STORE: 'sqlite', WEBHOOK_PATH: '/webhook' })
  t.equal(settings.METRICS_PORT, undefined)
})

test('a bad value is refused with a message naming it, the problem and a good value', async (t) => {
  t.throws(() => readSettings({ env: { PORT: 'http' } }), {
    code: 'INVALID_SETTING',
    message: 'Invalid configuration: PORT must be a whole number (got "http"). Set PORT to the TCP port to listen on, e.g. 4242.'
  })
  t.throws(() => readSettings({ env: { LOG_LEVEL: 'verbose' } }), {
    code: 'INVALID_SETTING',
    message: 'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace or silent (got "verbose").'
  })
  t.throws(() => readSettings({ env: { PORT: '9000', METRICS_PORT: '9000' } }), { code: 'INVALID_SETTING', message: /^Invalid configuration: METRICS_PORT is the same port as PORT \(9000\)/ })
})

test('a .env file is read beneath the environment: the environment wins, an empty value there lets .env\'s apply', async (t) => {
  const dir = temporaryDir(t)
  const dotenv = join(dir, '.env')
  writeFileSync(dotenv, '# as a user writes one\nPORT=5000\nLOG_LEVEL=WARN\nWEBHOOK_PATH=/from-dotenv\nSTRIPE_WEBHOOK_SECRET=whsec_from_dotenv\n')
  const settings = readSettings({ env: { PORT: '6000', LOG_LEVEL: '' }, dotenv })
  t.match(settings, { PORT: 6000, LOG_LEVEL: 'warn', WEBHOOK_PATH: '/from-dotenv', STRIPE_WEBHOOK_SECRET: 'whsec_from_dotenv' })
  t.equal(readSettings({ env: {}, dotenv: join(dir, 'missing.env') }).PORT, 4242, 'no .env file is no error')
  t.equal(readSettings({ env: {} }).WEBHOOK_PATH, '/webhook', 'settings given as data read no .env unless one is named')
  writeFileSync(dotenv, 'LOG_LEVEL=verbose\n')
  t.throws(() => readSettings({ env: {}, dotenv }), { message: 'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace or silent (set in .env).' })
})

test('the signing secrets are derived apart: split and checked where they are needed, required only by the service', async (t) => {
  t.same(webhookSecrets(readSettings({ env: { STRIPE_WEBHOOK_SECRET: 'whsec_a, whsec_b,whsec_a' } }), { required: true }), ['whsec_a', 'whsec_b'])
  t.same(webhookSecrets(readSettings({ env: {} }), { required: false }), [], 'a command may go without one')
  t.same(webhookSecrets(readSettings({ env: { NODE_ENV: 'development' } }), { required: true }), [LOCAL_DEVELOPMENT_SECRET])
  t.throws(() => webhookSecrets(readSettings({ env: {} }), { required: true }), { code: 'INVALID_SETTING', message: /STRIPE_WEBHOOK_SECRET is required/ })
  t.throws(() => webhookSecrets(readSettings({ env: { STRIPE_WEBHOOK_SECRET: 'sk_test_1' } }), { required: false }), { message: /entry 1 of 1 is not a webhook signing secret/ })
})
