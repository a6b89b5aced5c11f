// The event store over any SqlClient. Every claim is one conditional UPDATE, so the database, not
// JavaScript, decides who runs an event: a duplicate delivery, a second worker or a second replica
// finds the row already taken.
import type {
  AbandonedEvent,
  SettledEvent,
  Attempt,
  AttemptResult,
  EventFilter,
  EventStatus,
  EventStore,
  InsertAs,
  NewEvent,
  StoredEvent
} from './event-store.js'
import { eventStatuses, leaseTokenPrefix } from './event-store.js'
import { migrations } from './schema.js'
import { createBatchedWrites } from './batched-writes.js'
import { firstSuccessAt } from './success-history.js'
import { claimReconcileSweep, finishReconcileSweep } from './reconcile-sweeps.js'
import type { SqlClient, SqlRow, SqlStatement, SqlValue } from './sql-client.js'

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
  return { sql: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, params }
}

// lease_owner holds the claim's lease token, not just the instance: renewals and ends of attempts
// must name it, so a run whose lease was lost can neither renew nor settle a newer claim.
const claimSet = "status = 'processing', lease_owner = $1, lease_expires_at = $2, next_attempt_at = $2, attempts = attempts + 1"

// The largest INTEGER both databases compare against attempts: "no cap".
const noAttemptCap = 2_147_483_647

export function createSqlEventStore (client: SqlClient): EventStore {
  const { dialect } = client

  async function appliedVersions (): Promise<Set<number>> {
    const rows = await client.query({ sql: 'SELECT version FROM stripe_router_migrations' })
    return new Set(rows.map((row) => Number(row.version)))
  }

  async function migrate (): Promise<void> {
    await client.query({
      sql: 'CREATE TABLE IF NOT EXISTS stripe_router_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)'
    })
    const all = migrations(dialect)
    for (const [index, ddl] of all.entries()) {
      const version = index + 1
      if ((await appliedVersions()).has(version)) continue
      const statements: SqlStatement[] = [
        ...(dialect.migrationLock === null ? [] : [{ sql: dialect.migrationLock }]),
        // First, so that a replica that lost the race fails here and rolls back, not halfway.
        { sql: 'INSERT INTO stripe_router_migrations (version, applied_at) VALUES ($1, $2)', params: [version, Date.now()] },
        ...ddl.map((sql) => ({ sql }))
      ]
      try {
        await client.transaction(statements)
      } catch (error) {
        if (!(await appliedVersions()).has(version)) throw error
      }
    }
  }

  const writes = createBatchedWrites(client)

  async function insert (event: NewEvent, as: InsertAs): Promise<boolean> {
    return await writes.add({ kind: 'insert', event, as })
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
            WHERE id = $3 AND (status IN ('pending', 'failed') OR (status = 'processing' AND lease_expires_at < $4))
              AND ${firstSuccessAt('stripe_events')} IS NULL
            RETURNING ${columns}`,
      params: [owner, leaseExpiresAt, id, now]
    })
    return (await attachPayloads(rows))[0] ?? null
  }

  async function claimDue (lease: string, now: number, leaseExpiresAt: number, limit: number, maxAttempts = noAttemptCap): Promise<StoredEvent[]> {
    const rows = await client.query({
      sql: `UPDATE stripe_events SET ${claimSet}
            WHERE id IN (
              SELECT d.id FROM stripe_events d
              WHERE d.status IN ('pending', 'processing') AND d.next_attempt_at <= $3 AND d.attempts < $5
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
              WHERE d.status = 'processing' AND d.next_attempt_at <= $1 AND d.attempts >= $2
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

  async function finishAttempt (attempt: Attempt, result: AttemptResult, lease?: string): Promise<boolean> {
    return await writes.add({ kind: 'finish', attempt, result, lease })
  }

  async function releaseLeases (owner: string, counted = false): Promise<number> {
    // A clean stop's interrupted attempt did not finish, so it does not count against the event's
    // attempts; one cut short by an error does, or a poison event would never reach MAX_ATTEMPTS.
    const rows = await client.query({
      sql: `UPDATE stripe_events SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL,
              attempts = attempts - $3, next_attempt_at = $2
            WHERE status = 'processing' AND substr(lease_owner, 1, length($1)) = $1 RETURNING id`,
      params: [leaseTokenPrefix(owner), Date.now(), counted ? 0 : 1]
    })
    return rows.length
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

  async function list (filter: EventFilter): Promise<StoredEvent[]> {
    const where = whereClause(filter)
    const limit = filter.limit ?? 100
    const rows = await client.query({
      sql: `SELECT ${columnsWithPayload} FROM ${withPayload} ${where.sql} ORDER BY received_at DESC, id LIMIT ${Math.trunc(limit)}`,
      params: where.params
    })
    return rows.map((row) => toStoredEvent(row))
  }

  async function requeue (filter: EventFilter, force: boolean, now: number): Promise<string[]> {
    const where = whereClause(filter, 3)
    const allowed = force
      ? "status <> 'processing' OR lease_expires_at < $2"
      : "status IN ('failed', 'pending') OR (status = 'processing' AND lease_expires_at < $2)"
    const rows = await client.query({
      // A replayed event gets a fresh budget of attempts; stripe_event_attempts keeps the history.
      sql: `UPDATE stripe_events SET status = 'pending', next_attempt_at = $1, lease_owner = NULL, lease_expires_at = NULL,
              attempts = 0, requeued_at = $1
            ${where.sql === '' ? 'WHERE' : `${where.sql} AND`} (${allowed})
            RETURNING id`,
      params: [now, now, ...where.params]
    })
    return rows.map((row) => row.id as string)
  }

  async function prune (before: number): Promise<number> {
    const rows = await client.query({
      sql: "DELETE FROM stripe_events WHERE status IN ('handled', 'unhandled', 'ignored') AND received_at < $1 RETURNING id",
      params: [before]
    })
    return rows.length
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
    migrate,
    insert,
    claim,
    claimDue,
    failAbandoned,
    settleSucceeded,
    renewLease,
    finishAttempt,
    releaseLeases,
    get,
    attempts,
    list,
    requeue,
    prune,
    countByStatus,
    oldestUnsettledReceivedAt,
    ping,
    probeWrite,
    claimReconcileSweep: async (...args) => await claimReconcileSweep(client, ...args),
    finishReconcileSweep: async (...args) => await finishReconcileSweep(client, ...args),
    close: client.close
  }
}
