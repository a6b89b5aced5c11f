// Opens the event store the settings name, migrates it, and runs the inbox's workers for as long
// as the app is up; closing the app lets running handlers finish and closes the store. A PostgreSQL
// store that cannot be opened at start-up is opened in the background: deliveries get 503 until then.
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { EventInbox, GuardAndObserver } from '../src/inbox/event-inbox.js'
import { createStoredInbox } from '../src/inbox/stored-inbox.js'
import { createStorelessInbox } from '../src/inbox/storeless-inbox.js'
import { StoreUnavailableError } from '../src/errors.js'
import { redactCredentials } from '../src/logging/redact-credentials.js'
import { deliveryMode, storeKind } from '../config/resolved-settings.js'
import { acceptHold } from '../src/store/accept-hold.js'
import { createEventStore } from '../src/store/open-event-store.js'
import { storeErrorFields } from '../src/store/store-health.js'
import { openWithBackOff, type StoreOpening } from '../src/store/store-opening.js'
import { promiseTry } from '../src/promise-try.js'

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
  // The metrics plugin watches every handler run.
  const guardAndObserver: GuardAndObserver = { livemode: config.LIVEMODE, observer: fastify.metrics }
  // SQLite's commits hold the event loop, and Node accepts one connection per turn of it: while
  // connections keep coming, commits wait a few turns for them (src/store/accept-hold.ts).
  const commitHold = acceptHold()
  const created = createEventStore(config, fastify.log, commitHold)
  if (created === null) {
    fastify.log.warn('EVENT_STORE=none: events are not stored, deduplicated or retried; handlers run inline')
    fastify.decorate('eventInbox', createStorelessInbox(fastify.stripeHandlers, guardAndObserver))
    return
  }
  if (created.kind === 'sqlite') fastify.server.on('connection', commitHold.noteAccepted)
  let ready = false
  let opening: StoreOpening | undefined
  let store = created
  if (created.kind === 'sqlite') {
    // A local file that cannot be opened is a setting to fix, not an outage to wait out: refuse to start.
    await created.migrate().catch(async (error: unknown) => {
      await created.close().catch(() => {})
      throw error
    })
  } else {
    // The shared database may be down or restarting: start unready and keep opening it.
    opening = await openWithBackOff(created, {
      target: redactCredentials(config.DATABASE_URL as string),
      log: fastify.log,
      onOpen: () => { if (ready) startWorkers() }
    })
    store = opening.store
  }
  fastify.metrics.gaugeStore(store)
  const notOpenBecause = (): string | null => opening?.notOpenBecause() ?? null
  // With a store, the delivery mode is the one PROCESSING_MODE names; the rule lives in config/.
  const mode = deliveryMode(config)
  if (notOpenBecause() === null) {
    fastify.log.info({ store: storeKind(config), mode }, `Event store ready (${store.kind}, ${mode})`)
  }

  let inbox: EventInbox | null = null
  fastify.decorate('eventInbox', {
    // No async wrapper of its own: one promise per delivery less. A store not open yet rejects the delivery.
    receive: (...args) => promiseTry(() => started().receive(...args)),
    drain: async (timeoutMs) => await started().drain(timeoutMs),
    stop: async (graceMs) => await inbox?.stop(graceMs),
    stoppingAfterError: (error) => inbox?.stoppingAfterError(error) ?? null,
    saturatedSince: () => inbox?.saturatedSince() ?? null,
    unrecordedEndsSince: () => inbox?.unrecordedEndsSince() ?? null,
    store
  })
  function started (): EventInbox {
    if (inbox !== null) return inbox
    const reason = notOpenBecause()
    if (reason !== null) throw new StoreUnavailableError(`not open yet: ${reason}`)
    throw new Error('The event inbox is not started: wait for app.ready()')
  }

  // Workers start once every handler is mounted and the store is open, and stop before it closes.
  function startWorkers (): void {
    inbox = createStoredInbox(store, fastify.stripeHandlers, {
      mode,
      leaseMs: config.LEASE_SECONDS * 1000,
      handlerTimeoutMs: config.HANDLER_TIMEOUT_MS,
      retry: { maxAttempts: config.MAX_ATTEMPTS, baseDelayMs: config.RETRY_BASE_DELAY_MS, maxDelayMs: config.RETRY_MAX_DELAY_MS },
      concurrency: config.WORKER_CONCURRENCY,
      pollIntervalMs: config.POLL_INTERVAL_MS,
      retentionDays: config.RETENTION_DAYS,
      ...guardAndObserver
    }, fastify.log)
  }
  fastify.addHook('onReady', async () => {
    ready = true
    if (notOpenBecause() === null) startWorkers()
  })
  fastify.addHook('onClose', async () => {
    opening?.stop()
    await inbox?.stop(opts.shutdownGraceMs ?? config.SHUTDOWN_GRACE_MS)
    // A store that is down may fail to close cleanly; the process is stopping either way, and a
    // stop during an outage is still a clean stop.
    await store.close().catch((error: unknown) => fastify.log.warn({ ...storeErrorFields(error) }, 'The event store did not close cleanly'))
  })
}

export default fp(eventInbox, { name: 'event-inbox', fastify: '5.x', dependencies: ['config', 'stripe-handlers', 'metrics'] })
