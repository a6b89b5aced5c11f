// Whether this instance should be sent deliveries: its store answers, its handlers are loaded, and
// it is not shutting down. Turns unready as soon as a shutdown starts, so load balancers drain it.
import { hostname } from 'node:os'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { settleWithin } from '../src/time/settle-within.js'
import { describeStoreError, type HealthTrackedStore } from '../src/store/store-health.js'

export interface Readiness {
  ready: boolean
  /** `slots`: `free`, or why no handler slot has been free for longer than HANDLER_TIMEOUT_MS. */
  checks: { store: string, handlers: number, slots: string, shuttingDown: boolean }
}

// Within an orchestrator's usual probe timeout, even when the database never answers.
const storeAnswerMs = 1500

declare module 'fastify' {
  interface FastifyInstance {
    readiness: () => Promise<Readiness>
  }
}

const readiness: FastifyPluginAsync = async (fastify) => {
  let shuttingDown = false
  const probeOwner = `readiness:${hostname()}:${process.pid}`
  fastify.addHook('preClose', async () => { shuttingDown = true })
  // A keep-alive connection that is busy when the shutdown starts would otherwise stay open after its
  // answer and hold the close until it times out: answers during a shutdown close their connection.
  // Callback style, not async: it runs on every answer, and a promise per answer is measurable.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (shuttingDown) reply.header('connection', 'close')
    done(null, payload)
  })

  // One store check at a time: against a frozen database each would hold a connection until its
  // timeout, and probes every second would take the whole pool.
  let storeCheck: Promise<string | null> | null = null
  async function checkStore (store: HealthTrackedStore): Promise<string | null> {
    try {
      await store.ping()
      // Reads may work while writes fail (a lock, a full or read-only disk): after a failed write,
      // only a write that succeeds makes the instance ready again.
      if (store.writeFailure() !== null) await store.probeWrite(probeOwner, Date.now())
      return null
    } catch (error) {
      return describeStoreError((error as Error).cause ?? error)
    }
  }

  fastify.decorate('readiness', async function checkReadiness (): Promise<Readiness> {
    const store = fastify.eventInbox.store
    let storeState = store === null ? 'none' : store.kind
    let storeReady = true
    if (store !== null) {
      storeCheck ??= checkStore(store).finally(() => { storeCheck = null })
      // An orchestrator's probe gives up after a second or so: a store that does not answer in time is unready.
      const reason = await settleWithin(storeCheck, storeAnswerMs, `no answer from the store within ${storeAnswerMs} ms`)
      if (reason !== null) {
        storeReady = false
        storeState = `unavailable: ${reason}`
      }
    }
    // Runs end at HANDLER_TIMEOUT_MS, so slots busy for longer than that mean runs that cannot end.
    // A slot frees when its handler ends; an end the store has not recorded in as long is stuck too
    // (the store takes deliveries but not ends): its lease is kept while it is retried, but it
    // runs again if the instance stops first.
    const timeoutMs = fastify.config.HANDLER_TIMEOUT_MS
    const stuck = (since: number | null): boolean => since !== null && Date.now() - since > timeoutMs
    const slotsStuck = stuck(fastify.eventInbox.saturatedSince())
    const endsStuck = stuck(fastify.eventInbox.unrecordedEndsSince())
    const slots = slotsStuck
      ? `unavailable: all ${fastify.config.WORKER_CONCURRENCY} handler slots busy for more than HANDLER_TIMEOUT_MS (${timeoutMs} ms)`
      : endsStuck
        ? `unavailable: a handler's end has waited more than HANDLER_TIMEOUT_MS (${timeoutMs} ms) to be recorded in the store`
        : 'free'
    return {
      ready: storeReady && !slotsStuck && !endsStuck && !shuttingDown,
      checks: { store: storeState, handlers: fastify.stripeHandlers.types.length, slots, shuttingDown }
    }
  })
}

export default fp(readiness, { name: 'readiness', fastify: '5.x', dependencies: ['config', 'event-inbox', 'stripe-handlers'] })
