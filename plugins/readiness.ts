// Whether this instance should be sent deliveries: its store answers, its handlers are loaded, and
// it is not shutting down. Turns unready as soon as a shutdown starts, so load balancers drain it.
import { hostname } from 'node:os'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'

export interface Readiness {
  ready: boolean
  checks: { store: string, handlers: number, shuttingDown: boolean }
}

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

  fastify.decorate('readiness', async function checkReadiness (): Promise<Readiness> {
    const store = fastify.eventInbox.store
    let storeState = store === null ? 'none' : store.kind
    let storeReady = true
    if (store !== null) {
      try {
        await store.ping()
        // Reads may work while writes fail (a lock, a full or read-only disk): after a failed write,
        // only a write that succeeds makes the instance ready again.
        if (store.writeFailure() !== null) await store.probeWrite(probeOwner, Date.now())
      } catch (error) {
        storeReady = false
        storeState = `unavailable: ${(error as Error).message}`
      }
    }
    return {
      ready: storeReady && !shuttingDown,
      checks: { store: storeState, handlers: fastify.stripeHandlers.types.length, shuttingDown }
    }
  })
}

export default fp(readiness, { name: 'readiness', fastify: '5.x', dependencies: ['event-inbox', 'stripe-handlers'] })
