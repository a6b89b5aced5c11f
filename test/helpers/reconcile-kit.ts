// The reconciliation tests' kit: the fake Stripe API, and events for it to list (the side-effects
// handler's payment_intent.succeeded, each appending its id to `effectsFile` when its handler
// completes, created a little before now).
import { join } from 'node:path'
import { startFakeStripeApi, type FakeListedEvent, type FakeStripeApi } from './stripe-api-fake.js'
import { buildApp, loadFixture, paymentIntentSucceeded, temporaryDir } from '../helper.js'

export interface ReconcileKit {
  fake: FakeStripeApi
  /** A fresh folder: the SQLite store's DATA_DIR, and where the side-effects file goes. */
  dir: string
  effects: string
  /** `storeEnv`, with that DATA_DIR and a fast poll (50 ms), so reconciled events run promptly. */
  env: Record<string, string>
}

/** A fake Stripe API closed when the test ends, a folder for the store and the side effects. */
export async function reconcileKit (t: Parameters<typeof temporaryDir>[0], storeEnv: Record<string, string> = {}): Promise<ReconcileKit> {
  const fake = await startFakeStripeApi()
  t.teardown(fake.close)
  const dir = temporaryDir(t)
  return { fake, dir, effects: join(dir, 'effects'), env: { ...storeEnv, DATA_DIR: dir, POLL_INTERVAL_MS: '50' } }
}

/** A payment_intent.succeeded the fake lists, with `deliverySuccess` as Stripe would report it. */
export function listedPaymentIntent (id: string, effectsFile: string, deliverySuccess = false, secondsAgo = 60): FakeListedEvent {
  const event = paymentIntentSucceeded(id, { effects_file: effectsFile })
  const object = { ...event.data.object, id: `pi_${id}` }
  return { event: { ...event, created: Math.floor(Date.now() / 1000) - secondsAgo, data: { ...event.data, object } }, deliverySuccess }
}

/** A customer.created (no handler in the side-effects folder) the fake lists. */
export function listedCustomerCreated (id: string, deliverySuccess = false): FakeListedEvent {
  const event = loadFixture('customer.created')
  return { event: { ...event, id, created: Math.floor(Date.now() / 1000) - 60 }, deliverySuccess }
}

/** The settings that point the service or the CLI at the fake with its key. */
export function fakeApiEnv (port: number, key: string): Record<string, string> {
  return { STRIPE_SECRET_KEY: key, STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: String(port), STRIPE_API_PROTOCOL: 'http' }
}

/** Creates and migrates the store `env` names, as a service's first start does, and closes it. */
export async function createStore (t: Parameters<typeof buildApp>[0], env: Record<string, string>): Promise<void> {
  const { app } = await buildApp(t, { env })
  await app.close()
}
