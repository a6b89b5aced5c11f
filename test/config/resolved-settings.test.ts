// Each decision the settings imply, made by one rule: the store, when handlers run, where the ops
// routes listen, and which folder holds the handlers.
import { join } from 'node:path'
import { test } from 'tap'
import { readSettings } from '../../config/read-settings.js'
import { builtInHandlersDir, deliveryMode, handlersDirOf, opsPort, resolveSettings, storeKind } from '../../config/resolved-settings.js'

test('the store: EVENT_STORE when set, else PostgreSQL with DATABASE_URL, else SQLite', async (t) => {
  t.equal(storeKind(readSettings({ env: {} })), 'sqlite')
  t.equal(storeKind(readSettings({ env: { DATABASE_URL: 'postgres://db/x' } })), 'postgres')
  t.equal(storeKind(readSettings({ env: { DATABASE_URL: 'postgres://db/x', EVENT_STORE: 'none' } })), 'none')
})

test('the delivery mode: PROCESSING_MODE, but always inline without a store', async (t) => {
  t.equal(deliveryMode(readSettings({ env: {} })), 'queued')
  t.equal(deliveryMode(readSettings({ env: { PROCESSING_MODE: 'inline' } })), 'inline')
  t.equal(deliveryMode(readSettings({ env: { EVENT_STORE: 'none', PROCESSING_MODE: 'queued' } })), 'inline', 'no store, no queue')
})

test('the ops port: METRICS_PORT, or none to serve them beside the webhook', async (t) => {
  t.equal(opsPort(readSettings({ env: {} })), undefined)
  t.equal(opsPort(readSettings({ env: { METRICS_PORT: '9464' } })), 9464)
})

test('the handlers folder: HANDLERS_DIR, else a command\'s project handlers/, else the built-in one', async (t) => {
  t.equal(handlersDirOf(readSettings({ env: { HANDLERS_DIR: '/srv/handlers' } }), '/project'), '/srv/handlers')
  t.equal(handlersDirOf(readSettings({ env: {} }), '/project'), join('/project', 'handlers'))
  t.equal(handlersDirOf(readSettings({ env: {} })), builtInHandlersDir)
})

test('resolving adds the derived values and leaves the validated settings as they were', async (t) => {
  const settings = readSettings({ env: { STRIPE_WEBHOOK_SECRET: 'whsec_a,whsec_b' } })
  const resolved = resolveSettings(settings)
  t.same(resolved.webhookSecrets, ['whsec_a', 'whsec_b'])
  t.notOk('webhookSecrets' in settings, 'the validated object is not written to')
})
