// The queue's workers: claim due events from the store, run them, repeat. Woken at once when this
// instance stores an event, and by a poll for retries that fall due and events other replicas stored.
import type { FastifyBaseLogger } from 'fastify'
import type { StoredEvent } from '../store/event-store.js'
import { lazyChildLogger } from '../logging/lazy-child-logger.js'
import { describeStoreError, storeErrorFields } from '../store/store-health.js'
import { LinkedSet } from './linked-set.js'
import { runAttempt, runHereOf, succeededHereLately, type AttemptContext } from './run-attempt.js'
import { RunReleasedError, StoppedAfterErrorError } from './run-aborts.js'
import { UnreadablePayloadError } from './unreadable-payload.js'
import type { RoutedEvent } from '../delivery/routed-event.js'

export interface WorkerOptions {
  concurrency: number
  pollIntervalMs: number
  /** Settled events older than this many days are pruned; 0 keeps them. */
  retentionDays: number
}

interface WorkerHooks extends WorkerOptions {
  /** Called when a stop's grace is over and runs are still going: ends not recorded by now are given up. */
  onPastGrace: () => void
}

export interface EventWorker {
  /** Looks for due events now, instead of at the next poll. */
  wake: () => void
  /**
   * Takes a place for an event this instance is about to store already claimed, so that its handler
   * runs straight from memory (at once, or after the runs before it in this instance's backlog of
   * claimed events); false when the instance holds 8 × `concurrency` events in memory already, when
   * the store has refused handlers' ends for over a second, or when it is stopping (store it pending instead).
   */
  reserveSlot: () => boolean
  /** Gives back a reserved slot that was not used (the event turned out to be a duplicate). */
  releaseSlot: () => void
  /** Runs an event stored claimed by this instance in the slot reserved for it, or once one frees. */
  runReserved: (event: StoredEvent, parsed: RoutedEvent) => void
  /** Resolves once no event is pending or being handled anywhere in the store (the test kit's wait). */
  drain: (timeoutMs?: number) => Promise<void>
  /**
   * Stops claiming; waits up to `graceMs` for running handlers, then aborts what did not finish:
   * after a clean stop its events are released uncounted, after an error (`afterError`) each cut-short
   * run is recorded as a failed attempt, so that a poison event still reaches MAX_ATTEMPTS. Events
   * claimed here that never started (waiting in memory for a slot) are released uncounted either way.
   */
  stop: (graceMs: number, afterError: boolean) => Promise<void>
  /** Since when every handler slot has been busy (ms since the epoch), or null while one is free. */
  saturatedSince: () => number | null
  /** Since when the oldest handler end not yet recorded in the store has waited (ms since the epoch), or null when none waits. */
  unrecordedEndsSince: () => number | null
}

const pruneEveryMs = 60 * 60 * 1000
// How long a stop waits, past its grace, for aborted runs to record their ends.
const recordAfterAbortMs = 3_000
const dayMs = 24 * 60 * 60 * 1000
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

function readStoredPayload (event: StoredEvent): RoutedEvent | UnreadablePayloadError {
  try {
    return JSON.parse(event.payload.toString('utf8')) as RoutedEvent
  } catch (error) {
    return new UnreadablePayloadError(event.id, error)
  }
}

/** A run of this instance from its start until its end is recorded. */
interface TrackedRun {
  /** Settles once the run's end is recorded (or given up); null only while the run is being started. */
  work: Promise<void> | null
  /** When the run took its slot, until its handler ends; then null. */
  slotHeldSince: number | null
  /** When its handler ended, while that end waits for the store; else null. */
  endedAt: number | null
}

/** An event claimed by this instance, waiting in memory for a free slot. */
interface ClaimedInMemory {
  event: StoredEvent
  /** The delivery's parsed body when it was stored claimed; read from the stored payload when claimed from the store. */
  parsed?: RoutedEvent
}

export function startEventWorker (context: AttemptContext, options: WorkerHooks, log: FastifyBaseLogger): EventWorker {
  // Every run of this instance until its end is recorded (or given up): what a stop waits for. A
  // list, not a Set or Map (see linked-set.ts).
  const running = new LinkedSet<TrackedRun>()
  // A slot is held from a run's start until its handler ends, not until the store records that end:
  // held through the next commit as well, 32 slots took 32 events per commit while 50 connections
  // brought 50, and the rest went through the store (a pending insert, a claim, a read of the payload,
  // a second parse): 36 % of events under the suite's load, and a major GC every half second.
  let slotsHeld = 0
  // Runs whose handler has ended while their end waits for the store.
  let unrecordedEnds = 0
  // From this many unrecorded ends on (a store that takes deliveries but not ends), no run starts and
  // nothing is claimed; the runs already going still end, and events taken into memory wait there.
  // An end not recorded when the instance stops or dies leaves its event to run again, so this
  // bounds how many a broken store can expose: at most this many, plus the runs going then.
  const unrecordedEndLimit = 4 * options.concurrency
  // Since when the unrecorded ends have been at that limit, or null. Past a second there, the store
  // is not just slow to commit but refusing ends: new deliveries are stored pending, for a replica
  // that can run them, instead of claimed by this instance to wait in memory.
  let endsAtLimitSince: number | null = null
  const endsStuckMs = 1_000
  let reserved = 0
  let stopped = false
  // Whether due events may be waiting in the store.
  let maybeDue = true
  // Counts wake(): a claim that comes back short clears maybeDue only if no wake came in while it
  // was in flight (an event stored meanwhile, after the claim's snapshot, is due all the same).
  let wakes = 0
  const busy = (): number => slotsHeld + reserved
  // Events stored claimed while they could not start (every slot busy, or too many ends unrecorded),
  // and those of a claim that came back after deliveries took the slots, run in order as they can:
  // under load most deliveries arrive then, and left pending, each cost a claim, a read of its
  // payload and a second parse. A lease that runs out meanwhile is renewed or given up at the run's
  // start (runAttempt); a stop leaves them to releaseLeases, uncounted.
  const backlog: ClaimedInMemory[] = []
  const taken = (): number => busy() + backlog.length
  // How many events this instance takes into memory (running, being stored claimed, waiting) before
  // new deliveries are stored pending instead. Room for one commit's worth of deliveries under load:
  // at 4,000 a second, a commit every 25 ms, one commit brings about 100, each reserved until its
  // insert commits. With room for 64, 46 % of such a load went through the store.
  const inMemoryLimit = 8 * options.concurrency
  const endsUnderLimit = (): boolean => unrecordedEnds < unrecordedEndLimit
  const takesMore = (): boolean => !stopped && endsUnderLimit()
  const canStart = (): boolean => slotsHeld < options.concurrency && endsUnderLimit()
  // Starts the backlog's events while they can start; with none waiting, looks in the store.
  function startNext (): void {
    if (stopped) return
    if (backlog.length === 0) {
      if (maybeDue) claimIfFree()
      return
    }
    while (backlog.length > 0 && canStart()) {
      const next = backlog.shift() as ClaimedInMemory
      track(next.event, next.parsed)
    }
    // Emptied with slots still free (the ends fell back under their limit): the store's turn.
    if (backlog.length === 0 && maybeDue) claimIfFree()
  }
  // An event claimed here runs now if it can, else waits in the backlog behind the others, unless
  // this instance runs it already or ran it to success (then nothing waits, and no slot is taken).
  function runOrWait (event: StoredEvent, parsed?: RoutedEvent): void {
    if (runsHereAlready(event)) return
    if (backlog.length === 0 && canStart()) track(event, parsed)
    else backlog.push({ event, parsed })
  }
  let claiming = false
  let claimAgain = false
  // The claim pass in flight, if any (it never rejects): a stop waits for it, within its grace.
  let claimPass: Promise<void> = Promise.resolve()
  let lastPrune = 0
  let lastAbandonCheck = 0
  // While the store is down every poll fails the same way: one line when claiming fails, one when it works again.
  let claimFailingSince: number | null = null

  async function handle (event: StoredEvent, parsed: RoutedEvent | UnreadablePayloadError, onHandlerEnd: () => void): Promise<void> {
    // The handler's own logger adds eventId and eventType; this one adds which attempt it is.
    const attemptLog = lazyChildLogger(log, { attempt: event.attempts })
    const { result, error } = await runAttempt(context, event, parsed, attemptLog, onHandlerEnd)
    const ids = { eventId: event.id, eventType: event.type }
    if (result === null) return
    if (error instanceof UnreadablePayloadError) {
      attemptLog.error({ ...ids, ...storeErrorFields(error) }, `The stored payload of ${event.id} does not parse; the event is marked failed without running its handler`)
    } else if (result.status === 'pending') {
      attemptLog.warn({ ...ids, ...storeErrorFields(error), retryAt: new Date(result.nextAttemptAt).toISOString() }, `Handler for ${event.type} failed; will retry`)
    } else if (result.status === 'failed') {
      attemptLog.error({ ...ids, ...storeErrorFields(error) }, `Handler for ${event.type} failed ${event.attempts - event.attemptsAtRequeue} times; the event is marked failed`)
    }
  }

  // Checked when the claim comes back, not when the event starts: a run of it adopts the new lease at
  // once, so that its end settles the event, and an event that will not run never waits for a slot.
  function runsHereAlready (event: StoredEvent): boolean {
    // Still running (or recording its end) here, and claimed again once its lease ran out: the run
    // goes on under the new claim rather than starting a second one.
    const current = runHereOf(context, event.id)
    if (current !== undefined) {
      current.lease = event.leaseOwner ?? current.lease
      log.warn({ eventId: event.id, attempt: event.attempts }, 'Re-claimed an event this instance is still running or recording; its run keeps the new lease')
      return true
    }
    // Claimed before this instance recorded a success of it under an older claim (on PostgreSQL a
    // claim and that end can commit in two batches at once): not run again. Its new claim runs out,
    // and the claim-time sweep settles it handled, from its history.
    if (succeededHereLately(context, event.id)) {
      log.warn({ eventId: event.id, eventType: event.type }, 'Claimed an event whose run here had already succeeded under an older claim; not running it again')
      return true
    }
    return false
  }

  // Starts a run in a slot: every caller has checked that one is free.
  function track (event: StoredEvent, parsed?: RoutedEvent): void {
    // A stored payload that does not parse still takes a run: its attempt is recorded failed, so the
    // event leaves the queue, and the rest of its claim's batch runs (a throw here abandoned them).
    const routed = parsed ?? readStoredPayload(event)
    const tracked: TrackedRun = { work: null, slotHeldSince: Date.now(), endedAt: null }
    slotsHeld++
    // The slot frees for the backlog's next event, else for a claim: once the handler ends, or with
    // the run's end when it ended before its handler ran.
    const freeSlot = (): void => {
      if (tracked.slotHeldSince === null) return
      tracked.slotHeldSince = null
      slotsHeld--
      startNext()
    }
    const handlerEnded = (): void => {
      if (tracked.endedAt === null) {
        tracked.endedAt = Date.now()
        unrecordedEnds++
        if (unrecordedEnds >= unrecordedEndLimit) endsAtLimitSince ??= tracked.endedAt
      }
      freeSlot()
    }
    // One then, not catch and finally: a promise less per run.
    const ended = (): void => {
      running.delete(entry)
      if (tracked.endedAt !== null) {
        tracked.endedAt = null
        unrecordedEnds--
        if (endsUnderLimit()) endsAtLimitSince = null
        // Under the limit of unrecorded ends: an event waiting in memory may start, and with none
        // waiting, once back under it, events waiting in the store may be claimed again.
        if (backlog.length > 0 || unrecordedEnds === unrecordedEndLimit - 1) startNext()
      }
      freeSlot()
    }
    const entry = running.add(tracked)
    tracked.work = handle(event, routed, handlerEnded).then(ended, (error: unknown) => {
      log.error({ eventId: event.id, ...storeErrorFields(error) }, 'Could not record an attempt; the lease will expire and the event will be retried')
      ended()
    })
  }

  // The claim-time sweep: an event with a successful run in its history (one fenced by a newer
  // claim) is settled handled, never run again; an event whose last allowed run's process stopped
  // is failed, not run again (the cap).
  async function sweepDue (): Promise<void> {
    // Writes: once per poll interval is enough, not once per claim on the hot path.
    const now = Date.now()
    if (now - lastAbandonCheck < options.pollIntervalMs) return
    lastAbandonCheck = now
    for (const event of await context.store.settleSucceeded(now)) {
      log.warn({ eventId: event.id, eventType: event.type, attempts: event.attempts },
        'Event settled handled without running it again: a run of it had succeeded under an older claim')
    }
    if (context.retry === null) return
    for (const event of await context.store.failAbandoned(now, context.retry.maxAttempts)) {
      context.observer.countRunFault(event.type, 'abandoned')
      log.error({ eventId: event.id, eventType: event.type, attempts: event.attempts, lastError: event.lastError },
        `Event marked failed: the process running it stopped during attempt ${event.attempts} of MAX_ATTEMPTS`)
    }
  }

  async function claimWhileFree (): Promise<void> {
    await sweepDue()
    while (takesMore() && taken() < options.concurrency) {
      const now = Date.now()
      const wanted = options.concurrency - taken()
      const lease = context.nextLease()
      const wakesBefore = wakes
      const batch = await context.store.claimDue(lease, now, now + context.leaseMs, wanted, context.retry?.maxAttempts)
      claimWorks()
      // Claimed as the stop began: not run here. stop() waits for this pass (within its grace), then
      // gives their leases back. A run still going here takes its event's new lease all the same, or
      // its end, recorded under the old one, would not settle the event.
      if (stopped) {
        for (const event of batch) runsHereAlready(event)
        return
      }
      // Fewer than asked: nothing more is due. Until the next poll or pending insert, a freed slot
      // need not ask the store again (a query per handled event showed on the hot path).
      if (batch.length < wanted && wakes === wakesBefore) maybeDue = false
      // Deliveries may have taken slots while the claim was in flight: what cannot start now waits
      // in the backlog, behind them, so that no more than `concurrency` handlers ever run at once.
      for (const event of batch) runOrWait(event)
      if (batch.length === 0) return
    }
  }

  function claimWorks (): void {
    if (claimFailingSince === null) return
    log.info({ failedForMs: Date.now() - claimFailingSince }, 'Claiming events from the store works again')
    claimFailingSince = null
  }

  // Never throws: a failed prune is not a failed claim, and is tried again at the next hour.
  async function pruneIfDue (): Promise<void> {
    const now = Date.now()
    if (options.retentionDays === 0 || now - lastPrune < pruneEveryMs) return
    lastPrune = now
    try {
      const pruned = await context.store.prune(now - options.retentionDays * dayMs)
      if (pruned > 0) log.info({ pruned }, `Pruned ${pruned} settled events older than ${options.retentionDays} days`)
    } catch (error) {
      log.warn(storeErrorFields(error), 'Could not prune settled events; trying again in an hour')
    }
  }

  /** Something may be due (a poll, a pending insert, a drain): claim what slots allow. */
  function wake (): void {
    wakes++
    maybeDue = true
    claimIfFree()
  }

  function claimIfFree (): void {
    if (stopped) return
    if (claiming) {
      claimAgain = true
      return
    }
    claiming = true
    claimAgain = false
    claimPass = (async () => {
      await claimWhileFree()
      await pruneIfDue()
    })()
      .catch((error: unknown) => {
        if (claimFailingSince === null) log.error({ reason: describeStoreError((error as Error).cause ?? error) }, 'Could not claim events from the store; retrying at each poll')
        claimFailingSince ??= Date.now()
      })
      .finally(() => {
        claiming = false
        // A slot freed or an event came in at any point of the pass, up to this line: claim again, or
        // that wake is lost until the next poll. After a backlog's load ended, lost wakes left it to
        // drain at two claims per poll (64 events a second with 32 slots). Not while claiming fails:
        // the wakes of every run ending would retry a store that is down; the poll retries it.
        if (claimAgain && claimFailingSince === null) claimIfFree()
      })
  }

  const poll = setInterval(wake, options.pollIntervalMs)
  poll.unref()
  wake()

  async function drain (timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const counts = await context.store.countByStatus()
      if (counts.pending + counts.processing === 0 && running.size === 0) return
      if (Date.now() > deadline) {
        throw new Error(`Events still waiting after ${timeoutMs} ms: ${counts.pending} pending, ${counts.processing} processing`)
      }
      wake()
      await sleep(5)
    }
  }

  // Only while stopping, when no slot is reserved any more: each insert in flight commits or fails soon.
  async function reservationsSettled (): Promise<void> {
    // eslint-disable-next-line no-unmodified-loop-condition -- released by the deliveries' callbacks during the sleep
    while (reserved > 0) await sleep(5)
  }

  async function waitForRuns (ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const over = new Promise((resolve) => { timer = setTimeout(resolve, ms) })
    // The claim pass and the deliveries being stored claimed too: what they claimed as the stop
    // began is then given back, uncounted, by stop()'s releaseLeases, not left to its lease.
    await Promise.race([Promise.allSettled([claimPass, reservationsSettled(), ...running.values().map((tracked) => tracked.work)]), over])
    clearTimeout(timer)
  }

  async function stop (graceMs: number, afterError: boolean): Promise<void> {
    stopped = true
    clearInterval(poll)
    // Never started: their claims are given back below with the others', by releaseLeases.
    backlog.length = 0
    await waitForRuns(graceMs)
    // Read before the aborts: a run whose end is then given up leaves the list unrecorded.
    const cutShort = context.runs.values().map((run) => run.eventId)
    // `context.runs` has the inline runs too; `running` has as well the worker's runs not yet started,
    // still renewing a lease that ran low: past the grace they must not start (runAttempt reads
    // pastGrace once the renewal is back).
    if (context.runs.size > 0 || running.size > 0) {
      for (const run of context.runs.values()) {
        run.controller.abort(afterError ? new StoppedAfterErrorError() : new RunReleasedError())
      }
      options.onPastGrace()
      await waitForRuns(recordAfterAbortMs)
    }
    let released: number
    try {
      // After an error, the runs it cut short count (those whose end was recorded are no longer
      // claimed); the events that waited in memory, or were claimed as the stop began, never ran and do not.
      released = await context.store.releaseLeases(context.owner, afterError ? cutShort : [])
    } catch (error) {
      // The store is down: nothing to give back now, and no need to. The leases run out by themselves
      // and any worker, here after a restart or on another replica, takes those events over then.
      log.warn({ ...storeErrorFields(error), leaseSeconds: context.leaseMs / 1000 },
        'Could not give back the leases of this instance\'s events; they will be taken over when their leases expire')
      return
    }
    if (released > 0) log.warn({ released }, `Released ${released} events whose handlers did not finish in time; they will be retried`)
  }

  // Both read by the readiness probe, not per event: they walk the runs.
  function saturatedSince (): number | null {
    if (busy() < options.concurrency || reserved > 0) return null
    return Math.max(...running.values().flatMap((tracked) => tracked.slotHeldSince ?? []))
  }

  function unrecordedEndsSince (): number | null {
    const ends = running.values().flatMap((tracked) => tracked.endedAt ?? [])
    return ends.length === 0 ? null : Math.min(...ends)
  }

  function reserveSlot (): boolean {
    if (stopped || taken() >= inMemoryLimit) return false
    if (endsAtLimitSince !== null && Date.now() - endsAtLimitSince > endsStuckMs) return false
    reserved++
    return true
  }

  function releaseSlot (): void {
    reserved--
    if (maybeDue) claimIfFree()
  }

  function runReserved (event: StoredEvent, parsed: RoutedEvent): void {
    reserved--
    // Stored claimed after a stop began: not run here. Its lease is given back with the others' (or
    // runs out), and the event runs in the next worker to claim it.
    if (stopped) return
    runOrWait(event, parsed)
  }

  return { wake, reserveSlot, releaseSlot, runReserved, drain, stop, saturatedSince, unrecordedEndsSince }
}
