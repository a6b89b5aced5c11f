// The event store over any SqlClient. Every claim is one conditional UPDATE, so the database, not
// JavaScript, decides who runs an event: a duplicate delivery, a second worker or a second replica
// finds the row already taken.
import type { RoutedTypes } from '../routing/event-patterns.js'
import type {
  AbandonedEvent,
  HandledEventOfObject,
  SettledEvent,
  Attempt,
  Delivery,
  RequeueResult,
  AttemptResult,
  EventFilter,
  EventStatus,
  EventStore,
  InsertAs,
  NewEvent,
  Redelivery,
  StoredEvent
} from './event-store.js'
import { eventStatuses, leaseTokenPrefix } from './event-store.js'
import { migrate, schemaExists } from './migrate.js'
import { createBatchedWrites } from './batched-writes.js'
import type { FlushHold } from './write-batcher.js'
import { firstSuccessAt } from './success-history.js'
import { routedTypesSql } from './routed-types-sql.js'
import { claimReconcileSweep, finishReconcileSweep } from './reconcile-sweeps.js'
import type { SqlClient, SqlRow, SqlValue } from './sql-client.js'

const columns = 'id, type, account, livemode, api_version, created, received_at, status, attempts, ' +
  'last_error, next_attempt_at, lease_owner, lease_expires_at, handled_at, object_id, source, attempts_at_requeue'
const columnsWithPayload = `${columns.split(', ').map((column) => `e.${column}`).join(', ')}, p.payload`
const withPayload = 'stripe_events e JOIN stripe_event_payloads p ON p.event_id = e.id'

function toStoredEvent (row: SqlRow, payload = row.payload as Buffer): StoredEvent {
  return {
    id: row.id as string,
    type: row.type as string,
    account: row.account as string | null,
    livemode: row.livemode === true || row.livemode === 1,
    apiVersion: row.api_version as string | null,
    created: Number(row.created),
    receivedAt: Number(row.received_at),
    objectId: row.object_id as string | null,
    source: row.source as StoredEvent['source'],
    payload,
    status: row.status as EventStatus,
    attempts: Number(row.attempts),
    attemptsAtRequeue: Number(row.attempts_at_requeue),
    lastError: row.last_error as string | null,
    nextAttemptAt: Number(row.next_attempt_at),
    leaseOwner: row.lease_owner as string | null,
    leaseExpiresAt: row.lease_expires_at === null ? null : Number(row.lease_expires_at),
    handledAt: row.handled_at === null ? null : Number(row.handled_at)
  }
}

function toAttempt (row: SqlRow): Attempt {
  return {
    eventId: row.event_id as string,
    attempt: Number(row.attempt),
    worker: row.worker as string,
    startedAt: Number(row.started_at),
    finishedAt: Number(row.finished_at),
    outcome: row.outcome as Attempt['outcome'],
    error: row.error as string | null
  }
}

function toDelivery (row: SqlRow): Delivery {
  return {
    eventId: row.event_id as string,
    receivedAt: Number(row.received_at),
    kind: row.kind as Delivery['kind'],
    type: row.type as string,
    objectId: row.object_id as string | null,
    payload: row.payload === null ? null : row.payload as Buffer
  }
}

/** A WHERE clause and its parameters for a filter, numbered from `firstParam`. */
function whereClause (filter: EventFilter, firstParam = 1): { sql: string, params: SqlValue[] } {
  const conditions: string[] = []
  const params: SqlValue[] = []
  const next = (value: SqlValue): string => {
    params.push(value)
    return `$${firstParam + params.length - 1}`
  }
  if (filter.ids !== undefined) {
    conditions.push(filter.ids.length === 0 ? '1 = 0' : `id IN (${filter.ids.map(next).join(', ')})`)
  }
  if (filter.status !== undefined) conditions.push(`status = ${next(filter.status)}`)
  if (filter.type !== undefined) conditions.push(`type = ${next(filter.type)}`)
  if (filter.since !== undefined) conditions.push(`received_at >= ${next(filter.since)}`)
  if (filter.until !== undefined) conditions.push(`received_at < ${next(filter.until)}`)
  if (filter.objectId !== undefined) conditions.push(`object_id = ${next(filter.objectId)}`)
  return { sql: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, params }
}

// lease_owner holds the claim's lease token, not just the instance: renewals and ends of attempts
// must name it, so a run whose lease was lost can neither renew nor settle a newer claim.
const claimSet = "status = 'processing', lease_owner = $1, lease_expires_at = $2, next_attempt_at = $2, attempts = attempts + 1"

// MAX_ATTEMPTS counts the attempts since the last requeue (replay or redelivery), while attempt
// numbers go on from before it.
const attemptsSinceRequeue = (event: string): string => `(${event}.attempts - ${event}.attempts_at_requeue)`

// The largest INTEGER both databases compare against attempts: "no cap".
const noAttemptCap = 2_147_483_647

/** The event store over `client`; `flushHold` may put its batched commits off for a few turns (see accept-hold.ts). */
export function createSqlEventStore (client: SqlClient, flushHold?: FlushHold): EventStore {
  const { dialect } = client

  const writes = createBatchedWrites(client, flushHold)

  function insert (event: NewEvent, as: InsertAs): Promise<boolean> {
    return writes.add({ kind: 'insert', event, as })
  }

  async function attachPayloads (rows: SqlRow[]): Promise<StoredEvent[]> {
    if (rows.length === 0) return []
    const ids = rows.map((row) => row.id as string)
    const payloads = await client.query({
      sql: `SELECT event_id, payload FROM stripe_event_payloads WHERE event_id IN (${ids.map((_, index) => `$${index + 1}`).join(', ')})`,
      params: ids
    })
    const byId = new Map(payloads.map((row) => [row.event_id as string, row.payload as Buffer]))
    return rows.map((row) => toStoredEvent(row, byId.get(row.id as string) ?? Buffer.alloc(0)))
  }

  async function claim (id: string, owner: string, now: number, leaseExpiresAt: number): Promise<StoredEvent | null> {
    const rows = await client.query({
      sql: `UPDATE stripe_events SET ${claimSet}
            WHERE id = $3 AND (status = 'pending' OR (status = 'processing' AND lease_expires_at < $4))
              AND ${firstSuccessAt('stripe_events')} IS NULL
            RETURNING ${columns}`,
      params: [owner, leaseExpiresAt, id, now]
    })
    return (await attachPayloads(rows))[0] ?? null
  }

  async function redeliver (id: string, redelivery: Redelivery): Promise<StoredEvent | null> {
    const { now, claim: claimAs } = redelivery
    // One conditional UPDATE: of two replicas receiving the same redelivery, one requeues it, and the
    // other finds it no longer failed. SET reads the row as it was, so attempts_at_requeue takes the
    // attempts made before this redelivery, and a claim's own attempt is counted after it.
    // requeued_at stays: a failed event has no success since it, yet a run presumed dead by the
    // claim-time cap may still succeed; counted as a success, it then fences this requeue's claim.
    const rows = await client.query({
      sql: `UPDATE stripe_events SET status = $1, lease_owner = $2, lease_expires_at = $3, next_attempt_at = $4,
              attempts_at_requeue = attempts, attempts = attempts + $5
            WHERE id = $6 AND type = $7 AND (status = 'failed' OR (status = 'unhandled' AND $8 = 1))
              AND ${firstSuccessAt('stripe_events')} IS NULL
            RETURNING ${columns}`,
      params: [
        claimAs === undefined ? 'pending' : 'processing',
        claimAs?.owner ?? null,
        claimAs?.leaseExpiresAt ?? null,
        claimAs?.leaseExpiresAt ?? now,
        claimAs === undefined ? 0 : 1,
        id,
        redelivery.type,
        redelivery.requeueUnhandled ? 1 : 0
      ]
    })
    return (await attachPayloads(rows))[0] ?? null
  }

  async function claimDue (lease: string, now: number, leaseExpiresAt: number, limit: number, maxAttempts = noAttemptCap): Promise<StoredEvent[]> {
    // In the batch's transaction: under load a claim follows each freed slot, and shares the commit of the inserts around it.
    const rows = await writes.claim({
      sql: `UPDATE stripe_events SET ${claimSet}
            WHERE id IN (
              SELECT d.id FROM stripe_events d
              WHERE d.status IN ('pending', 'processing') AND d.next_attempt_at <= $3 AND ${attemptsSinceRequeue('d')} < $5
                AND ${firstSuccessAt('d')} IS NULL
              ORDER BY d.next_attempt_at
              LIMIT $4 ${dialect.skipLocked}
            )
            RETURNING ${columns}`,
      params: [lease, leaseExpiresAt, now, limit, maxAttempts]
    })
    return await attachPayloads(rows)
  }

  async function failAbandoned (now: number, maxAttempts: number): Promise<AbandonedEvent[]> {
    // The last claim's token stays in lease_owner: should that run still be alive (a blocked event
    // loop, not a crash), it may yet record its end, as the newest claim; no older one can.
    const rows = await client.query({
      sql: `UPDATE stripe_events SET status = 'failed', lease_expires_at = NULL, next_attempt_at = $1,
              last_error = 'the process running it stopped during attempt ' || attempts || COALESCE('; last error: ' || last_error, '')
            WHERE id IN (
              SELECT d.id FROM stripe_events d
              WHERE d.status = 'processing' AND d.next_attempt_at <= $1 AND ${attemptsSinceRequeue('d')} >= $2
                AND ${firstSuccessAt('d')} IS NULL
              LIMIT 100 ${dialect.skipLocked}
            )
            RETURNING id, type, attempts, last_error`,
      params: [now, maxAttempts]
    })
    return rows.map((row) => ({ id: row.id as string, type: row.type as string, attempts: Number(row.attempts), lastError: row.last_error as string }))
  }

  async function settleSucceeded (now: number): Promise<SettledEvent[]> {
    const rows = await client.query({
      sql: `UPDATE stripe_events SET status = 'handled', lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = $1,
              last_error = NULL, handled_at = ${firstSuccessAt('stripe_events')}
            WHERE id IN (
              SELECT d.id FROM stripe_events d
              WHERE d.status IN ('pending', 'processing') AND d.next_attempt_at <= $1 AND ${firstSuccessAt('d')} IS NOT NULL
              LIMIT 100 ${dialect.skipLocked}
            )
            RETURNING id, type, attempts`,
      params: [now]
    })
    return rows.map((row) => ({ id: row.id as string, type: row.type as string, attempts: Number(row.attempts) }))
  }

  async function renewLease (id: string, owner: string, leaseExpiresAt: number): Promise<boolean> {
    const rows = await client.query({
      sql: `UPDATE stripe_events SET lease_expires_at = $1, next_attempt_at = $1
            WHERE id = $2 AND status = 'processing' AND lease_owner = $3 AND ${firstSuccessAt('stripe_events')} IS NULL
            RETURNING id`,
      params: [leaseExpiresAt, id, owner]
    })
    return rows.length === 1
  }

  function finishAttempt (attempt: Attempt, result: AttemptResult, lease?: string): Promise<boolean> {
    return writes.add({ kind: 'finish', attempt, result, lease })
  }

  async function releaseLeases (owner: string, countedEventIds: readonly string[] = []): Promise<number> {
    // A clean stop's interrupted attempt did not finish, so it does not count against the event's
    // attempts: the event is pending again, its attempt given back. One cut short by an error does
    // count, or a poison event would never reach MAX_ATTEMPTS: its claim is left as a crash leaves
    // it, its lease expired now, so that the next claim takes it at once, or, at MAX_ATTEMPTS, the
    // claim-time sweep marks it failed (pending at the cap, nothing would ever take it). An event
    // claimed but never started (waiting in memory for a slot) never counts.
    const countedIds = [...new Set(countedEventIds)]
    const isCounted = countedIds.length === 0 ? 'FALSE' : `id IN (${countedIds.map((_, index) => `$${index + 3}`).join(', ')})`
    const rows = await client.query({
      sql: `UPDATE stripe_events SET
              status = CASE WHEN ${isCounted} THEN status ELSE 'pending' END,
              lease_owner = CASE WHEN ${isCounted} THEN lease_owner ELSE NULL END,
              lease_expires_at = CASE WHEN ${isCounted} THEN CAST($2 AS BIGINT) ELSE NULL END,
              attempts = CASE WHEN ${isCounted} THEN attempts ELSE attempts - 1 END,
              next_attempt_at = $2
            WHERE status = 'processing' AND substr(lease_owner, 1, length($1)) = $1 RETURNING id`,
      params: [leaseTokenPrefix(owner), Date.now(), ...countedIds]
    })
    return rows.length
  }

  // Asked before every handler run: the text and the types' values are made once per handler's
  // routed types (the router keeps one object for each), not rebuilt for each event.
  const newerHandledQueries = new WeakMap<RoutedTypes, { sql: string, typeParams: SqlValue[] }>()
  function newerHandledQuery (types: RoutedTypes): { sql: string, typeParams: SqlValue[] } {
    let query = newerHandledQueries.get(types)
    if (query === undefined) {
      const typeParams: SqlValue[] = []
      const param = (value: SqlValue): string => `$${2 + typeParams.push(value)}`
      // The (object_id, created) index finds the object's later events; the few there are then filtered.
      query = {
        sql: `SELECT id, type, created FROM stripe_events
            WHERE object_id = $1 AND created > $2 AND status = 'handled' AND ${routedTypesSql('type', types, param)}
            ORDER BY created DESC LIMIT 1`,
        typeParams
      }
      newerHandledQueries.set(types, query)
    }
    return query
  }

  // Read before every run: a then instead of an async function spares promises on the hot path.
  function newestHandledAfter (objectId: string, created: number, types: RoutedTypes): Promise<HandledEventOfObject | null> {
    const { sql, typeParams } = newerHandledQuery(types)
    return client.query({ sql, params: [objectId, created, ...typeParams] })
      .then(([row]) => row === undefined ? null : { id: row.id as string, type: row.type as string, created: Number(row.created) })
  }

  async function get (id: string): Promise<StoredEvent | null> {
    const rows = await client.query({ sql: `SELECT ${columnsWithPayload} FROM ${withPayload} WHERE e.id = $1`, params: [id] })
    return rows[0] === undefined ? null : toStoredEvent(rows[0])
  }

  async function attempts (id: string): Promise<Attempt[]> {
    const rows = await client.query({
      sql: 'SELECT * FROM stripe_event_attempts WHERE event_id = $1 ORDER BY attempt, started_at, finished_at',
      params: [id]
    })
    return rows.map(toAttempt)
  }

  async function recordDelivery (delivery: Delivery): Promise<void> {
    // Through the batcher: a burst of Stripe's retries shares commits with the inserts around it.
    await writes.add({ kind: 'delivery', delivery })
  }

  async function deliveries (id: string): Promise<Delivery[]> {
    const rows = await client.query({
      sql: 'SELECT * FROM stripe_event_deliveries WHERE event_id = $1 ORDER BY received_at',
      params: [id]
    })
    return rows.map(toDelivery)
  }

  async function list (filter: EventFilter): Promise<StoredEvent[]> {
    const where = whereClause(filter)
    const limit = filter.limit ?? 100
    // An object's history reads in Stripe's order; Stripe's `created` is whole seconds, so ties go
    // by when each arrived.
    const order = filter.objectId === undefined ? 'received_at DESC, id' : 'created, received_at, id'
    const rows = await client.query({
      sql: `SELECT ${columnsWithPayload} FROM ${withPayload} ${where.sql} ORDER BY ${order} LIMIT ${Math.trunc(limit)}`,
      params: where.params
    })
    return rows.map((row) => toStoredEvent(row))
  }

  async function requeue (filter: EventFilter, force: boolean, now: number): Promise<RequeueResult[]> {
    const where = whereClause(filter, 2)
    const leased = "(status = 'processing' AND COALESCE(lease_expires_at, 0) >= $1)"
    // Never handled: the once-only rule does not stand in the way (an expired lease included, unless
    // a run of it succeeded). Handled and ignored events were settled on purpose: running their
    // handler takes --force.
    const allowed = force
      ? `NOT ${leased}`
      : `status IN ('failed', 'pending', 'unhandled', 'processing') AND NOT ${leased} AND ${firstSuccessAt('stripe_events')} IS NULL`
    const [matched = [], requeued = []] = await client.transaction([
      {
        sql: `SELECT id, status, ${leased} AS leased, ${firstSuccessAt('stripe_events')} AS succeeded_at
              FROM stripe_events ${where.sql} ORDER BY received_at DESC, id`,
        params: [now, ...where.params]
      },
      {
        // Attempt numbers go on; MAX_ATTEMPTS counts from attempts_at_requeue. stripe_event_attempts keeps the history.
        sql: `UPDATE stripe_events SET status = 'pending', next_attempt_at = $1, lease_owner = NULL, lease_expires_at = NULL,
                attempts_at_requeue = attempts,
                requeued_at = CASE WHEN ${firstSuccessAt('stripe_events')} IS NULL THEN requeued_at ELSE $1 END
              ${where.sql === '' ? 'WHERE' : `${where.sql} AND`} (${allowed})
              RETURNING id`,
        params: [now, ...where.params]
      }
    ])
    const requeuedIds = new Set(requeued.map((row) => row.id as string))
    const byId = new Map(matched.map((row) => [row.id as string, row]))
    const ids = filter.ids === undefined ? [...byId.keys()] : [...new Set(filter.ids)]
    return ids.map((id): RequeueResult => {
      const row = byId.get(id)
      if (requeuedIds.has(id)) return { id, outcome: 'requeued' }
      if (row === undefined) return { id, outcome: 'unknown' }
      if (row.leased === true || Number(row.leased) === 1) return { id, outcome: 'leased' }
      if (row.status === 'ignored' || row.status === 'superseded') return { id, outcome: row.status }
      // A run of it succeeded: it is settled handled, whatever its status says yet.
      if (row.status === 'handled' || row.succeeded_at !== null) return { id, outcome: 'handled' }
      // Claimed between the select and the update.
      return { id, outcome: 'leased' }
    })
  }

  // Failed events are never pruned: they are the ones an operator must see and replay.
  const prunable = "status IN ('handled', 'unhandled', 'ignored', 'superseded') AND received_at < $1"

  async function prune (before: number): Promise<number> {
    const rows = await client.query({ sql: `DELETE FROM stripe_events WHERE ${prunable} RETURNING id`, params: [before] })
    return rows.length
  }

  async function countPrunable (before: number): Promise<Partial<Record<EventStatus, number>>> {
    const rows = await client.query({
      sql: `SELECT status, COUNT(*) AS count FROM stripe_events WHERE ${prunable} GROUP BY status ORDER BY status`,
      params: [before]
    })
    return Object.fromEntries(rows.map((row) => [row.status as EventStatus, Number(row.count)]))
  }

  async function countByStatus (): Promise<Record<EventStatus, number>> {
    const rows = await client.query({ sql: 'SELECT status, COUNT(*) AS count FROM stripe_events GROUP BY status' })
    const counts = Object.fromEntries(eventStatuses.map((status) => [status, 0])) as Record<EventStatus, number>
    for (const row of rows) counts[row.status as EventStatus] = Number(row.count)
    return counts
  }

  async function oldestUnsettledReceivedAt (): Promise<number | null> {
    const [row] = await client.query({
      sql: "SELECT MIN(received_at) AS oldest FROM stripe_events WHERE status IN ('pending', 'processing')"
    })
    return row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest)
  }

  async function ping (): Promise<void> {
    await client.query({ sql: 'SELECT 1 AS ok' })
  }

  async function probeWrite (owner: string, now: number): Promise<void> {
    await client.transaction([{
      sql: `INSERT INTO stripe_router_heartbeats (owner, beat_at) VALUES ($1, $2)
            ON CONFLICT (owner) DO UPDATE SET beat_at = excluded.beat_at`,
      params: [owner, now]
    }])
  }

  return {
    kind: dialect.name,
    migrate: async () => { await migrate(client) },
    exists: async () => await schemaExists(client),
    insert,
    claim,
    redeliver,
    claimDue,
    failAbandoned,
    settleSucceeded,
    renewLease,
    finishAttempt,
    releaseLeases,
    newestHandledAfter,
    get,
    attempts,
    recordDelivery,
    deliveries,
    list,
    requeue,
    prune,
    countPrunable,
    countByStatus,
    oldestUnsettledReceivedAt,
    ping,
    probeWrite,
    claimReconcileSweep: async (...args) => await claimReconcileSweep(client, ...args),
    finishReconcileSweep: async (...args) => await finishReconcileSweep(client, ...args),
    close: client.close
  }
}
