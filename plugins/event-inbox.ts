// Opens the event store the settings name, migrates it, and runs the inbox's workers for as long
// as the app is up; closing the app lets running handlers finish and closes the store.
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { createDirectInbox, createStoredInbox, type EventInbox } from '../src/inbox/event-inbox.js'
import { openEventStore, storeKind } from '../src/store/open-event-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    eventInbox: EventInbox
  }
}

export interface EventInboxOptions {
  /** How long closing waits for running handlers before releasing their events, in milliseconds. */
  shutdownGraceMs?: number
}

const eventInbox: FastifyPluginAsync<EventInboxOptions> = async (fastify, opts) => {
  const { config } = fastify
  const guards = { livemode: config.LIVEMODE, observeAttempt: fastify.metrics.observeAttempt, countRunFault: fastify.metrics.countRunFault }
  const store = await openEventStore(config, fastify.log)
  if (store === null) {
    fastify.log.warn('EVENT_STORE=none: events are not stored, deduplicated or retried; handlers run inline')
    fastify.decorate('eventInbox', createDirectInbox(fastify.stripeHandlers, guards))
    return
  }
  fastify.log.info({ store: storeKind(config), mode: config.PROCESSING_MODE }, `Event store ready (${store.kind}, ${config.PROCESSING_MODE})`)

  let inbox: EventInbox | null = null
  fastify.decorate('eventInbox', {
    receive: async (...args) => await started().receive(...args),
    drain: async (timeoutMs) => await started().drain(timeoutMs),
    stop: async (graceMs) => await inbox?.stop(graceMs),
    stoppingAfterError: (error) => inbox?.stoppingAfterError(error) ?? null,
    saturatedSince: () => inbox?.saturatedSince() ?? null,
    store
  })
  function started (): EventInbox {
    if (inbox === null) throw new Error('The event inbox is not started: wait for app.ready()')
    return inbox
  }

  // Workers start once every handler is mounted, and stop before the store closes.
  fastify.addHook('onReady', async () => {
    inbox = createStoredInbox(store, fastify.stripeHandlers, {
      mode: config.PROCESSING_MODE,
      leaseMs: config.LEASE_SECONDS * 1000,
      handlerTimeoutMs: config.HANDLER_TIMEOUT_MS,
      retry: { maxAttempts: config.MAX_ATTEMPTS, baseDelayMs: config.RETRY_BASE_DELAY_MS, maxDelayMs: config.RETRY_MAX_DELAY_MS },
      concurrency: config.WORKER_CONCURRENCY,
      pollIntervalMs: config.POLL_INTERVAL_MS,
      retentionDays: config.RETENTION_DAYS,
      ...guards
    }, fastify.log)
  })
  fastify.addHook('onClose', async () => {
    await inbox?.stop(opts.shutdownGraceMs ?? config.SHUTDOWN_GRACE_MS)
    await store.close()
  })
}

export default fp(eventInbox, { name: 'event-inbox', fastify: '5.x', dependencies: ['config', 'stripe-handlers', 'metrics'] })
