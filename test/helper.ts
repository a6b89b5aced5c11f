// The test kit: build the app for one test, and deliver events signed exactly as Stripe signs them.
import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import fp from 'fastify-plugin'
import Stripe from 'stripe'
import app, { type AppOptions } from '../src/app.js'

export const TEST_WEBHOOK_SECRET = 'whsec_test_5f8a2c1e9b7d4f6a3c0e8b2d9f1a7c5e'

/** A log line as the service wrote it: pino's JSON, parsed. */
export type LogLine = Record<string, unknown> & { level: number, msg: string }

export interface TestApp {
  app: FastifyInstance
  /** Every line the app logged, in order. */
  logs: LogLine[]
}

export interface BuildOptions {
  /** Settings on top of the test defaults (the test secret, NODE_ENV=test). */
  env?: Record<string, string | undefined>
  handlersDir?: AppOptions['handlersDir']
}

interface Teardown {
  teardown: (fn: () => unknown) => void
}

/** Builds a ready app that closes when the test ends. */
export async function buildApp (t: Teardown, options: BuildOptions = {}): Promise<TestApp> {
  const logs: LogLine[] = []
  const stream = new Writable({
    write (chunk, _encoding, done) {
      logs.push(JSON.parse(String(chunk)) as LogLine)
      done()
    }
  })
  const fastify = Fastify({ logger: { level: 'info', stream } })
  const env = { NODE_ENV: 'test', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, ...options.env }
  await fastify.register(fp(app), { env, handlersDir: options.handlersDir })
  t.teardown(() => fastify.close())
  await fastify.ready()
  return { app: fastify, logs }
}

/** A fixture from test/fixtures, as the parsed event. */
export function loadFixture<T = Stripe.Event> (name: string): T {
  return JSON.parse(readFileSync(new URL(`fixtures/${name}.json`, import.meta.url), 'utf8')) as T
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
 * to the webhook route, signed with the test secret unless told otherwise.
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
  return app.inject({ method: 'POST', url: options.path ?? app.config.WEBHOOK_PATH, headers, payload })
}

/** The messages the app logged, for asserting on what an operator would read. */
export function messages (logs: LogLine[]): string[] {
  return logs.map((line) => line.msg)
}
