// The test kit: build the app for one test, and deliver events signed exactly as Stripe signs them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import fp from 'fastify-plugin'
import Stripe from 'stripe'
import app, { type AppOptions } from '../src/app.js'
import { routerServerOptions } from '../src/startup/server-options.js'

export const TEST_WEBHOOK_SECRET = 'whsec_test_5f8a2c1e9b7d4f6a3c0e8b2d9f1a7c5e'

/** A log line as the service wrote it: pino's JSON, parsed. */
export type LogLine = Record<string, unknown> & { level: number, msg: string }

export interface TestApp {
  app: FastifyInstance
  /** Every line the app logged, in order. */
  logs: LogLine[]
}

export interface BuildOptions {
  /** Settings on top of the test defaults (the test secret, NODE_ENV=test, a SQLite store of its own). */
  env?: Record<string, string | undefined>
  handlersDir?: AppOptions['handlersDir']
  shutdownGraceMs?: AppOptions['shutdownGraceMs']
}

interface Teardown {
  teardown: (fn: () => unknown) => void
}

/** A folder that is removed when the test ends: a fresh SQLite store for each app. */
export function temporaryDir (t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), 'stripe-router-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A stream for pino to write to, and the lines written, parsed. */
export function logCapture (): { stream: Writable, logs: LogLine[] } {
  const logs: LogLine[] = []
  const stream = new Writable({
    write (chunk, _encoding, done) {
      logs.push(JSON.parse(String(chunk)) as LogLine)
      done()
    }
  })
  return { stream, logs }
}

/** Builds a ready app that closes when the test ends. */
export async function buildApp (t: Teardown, options: BuildOptions = {}): Promise<TestApp> {
  const { stream, logs } = logCapture()
  const fastify = Fastify({ ...routerServerOptions(), logger: { level: 'info', stream } })
  const env: Record<string, string | undefined> = { NODE_ENV: 'test', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, ...options.env }
  env.DATA_DIR ??= temporaryDir(t)
  await fastify.register(fp(app), { env, handlersDir: options.handlersDir, shutdownGraceMs: options.shutdownGraceMs })
  t.teardown(() => fastify.close())
  await fastify.ready()
  return { app: fastify, logs }
}

/** One of the handler folders under test/fixtures/handler-folders, for an app with test handlers. */
export function handlerFolder (name: string): string {
  return fileURLToPath(new URL(`fixtures/handler-folders/${name}/`, import.meta.url))
}

/** A fixture from test/fixtures, as the parsed event. */
export function loadFixture<T = Stripe.Event> (name: string): T {
  return JSON.parse(readFileSync(new URL(`fixtures/${name}.json`, import.meta.url), 'utf8')) as T
}

/** The payment_intent.succeeded fixture with another event id and PaymentIntent metadata (test handlers read it). */
export function paymentIntentSucceeded (id: string, metadata: Record<string, string> = {}): Stripe.PaymentIntentSucceededEvent {
  const event = loadFixture<Stripe.PaymentIntentSucceededEvent>('payment_intent.succeeded')
  return { ...event, id, data: { ...event.data, object: { ...event.data.object, metadata } } }
}

export interface SignOptions {
  secret?: string
  /** Seconds since the epoch; now unless given (to test a stale signature). */
  timestamp?: number
}

/** The Stripe-Signature header Stripe would send for these exact bytes. */
export function signPayload (payload: string, options: SignOptions = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? TEST_WEBHOOK_SECRET,
    timestamp: options.timestamp
  })
}

export interface DeliverOptions extends SignOptions {
  /** Replaces the computed Stripe-Signature header; `null` sends none. */
  signature?: string | null
  headers?: Record<string, string>
  path?: string
}

/**
 * Posts an event (an object, serialised as Stripe does with two-space indentation, or exact text)
 * to the webhook route, signed with the test secret unless told otherwise. A thin event
 * notification (`object: 'v2.core.event'`) goes to the thin-event route.
 */
export async function deliver (
  app: FastifyInstance,
  event: object | string,
  options: DeliverOptions = {}
): Promise<LightMyRequestResponse> {
  const payload = typeof event === 'string' ? event : JSON.stringify(event, null, 2)
  const signature = options.signature === undefined ? signPayload(payload, options) : options.signature
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...options.headers }
  if (signature !== null) headers['stripe-signature'] = signature
  const thin = typeof event === 'object' && (event as { object?: unknown }).object === 'v2.core.event'
  const path = options.path ?? (thin ? app.config.THIN_WEBHOOK_PATH : app.config.WEBHOOK_PATH)
  return app.inject({ method: 'POST', url: path, headers, payload })
}

/** Waits until every stored event is settled, so a test in queued mode can check what handlers did. */
export async function settle (app: FastifyInstance): Promise<void> {
  await app.eventInbox.drain()
}

/** The messages the app logged, for asserting on what an operator would read. */
export function messages (logs: LogLine[]): string[] {
  return logs.map((line) => line.msg)
}
