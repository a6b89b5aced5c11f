// The store's hot writes, the inserts of new events, the ends of attempts, the records of later
// deliveries and the workers' claims of due events, coalesced: whatever arrives in one turn of the
// event loop is written in one transaction, with multi-row statements. Under load one commit then
// serves many deliveries instead of one each; a claim, on its own, cost a commit (an fsync) per slot freed.
import type { Attempt, AttemptResult, Delivery, InsertAs, NewEvent } from './event-store.js'
import type { SqlClient, SqlRow, SqlStatement, SqlValue } from './sql-client.js'
import { firstSuccessAt } from './success-history.js'
import { createWriteBatcher, type FlushHold, type WriteBatcher } from './write-batcher.js'

export type Write =
  | { kind: 'insert', event: NewEvent, as: InsertAs }
  | { kind: 'finish', attempt: Attempt, result: AttemptResult, lease?: string }
  | { kind: 'delivery', delivery: Delivery }
  | { kind: 'claim', statement: SqlStatement }

type Insert = Extract<Write, { kind: 'insert' }>
type Finish = Extract<Write, { kind: 'finish' }>
type RecordDelivery = Extract<Write, { kind: 'delivery' }>
type Claim = Extract<Write, { kind: 'claim' }>

/** A claim answers with the rows it claimed; every other write with whether it took effect. */
export type WriteAnswer = boolean | SqlRow[]

export interface BatchedWrites {
  /** True for an insert that stored its event, or a finish that still held its lease; a delivery's record answers true. */
  add: (write: Insert | Finish | RecordDelivery) => Promise<boolean>
  /** Runs `statement` (an UPDATE ... RETURNING that claims due events) in the next batch's transaction, after its other writes; resolves with its rows. */
  claim: (statement: SqlStatement) => Promise<SqlRow[]>
}

/**
 * `rows` rows of `columns` numbered placeholders, `($1, $2), ($3, $4)`, each column's cast where
 * PostgreSQL cannot infer a VALUES type. A statement's text depends on its row count alone, so each
 * statement's texts are made once per count (seven, by powerOfTwoChunks) and the same string serves
 * every batch: nothing per event is spent on SQL text, or on hashing it in the prepared-statement cache.
 */
function valuesList (rows: number, columns: number, casts?: readonly string[]): string {
  return Array.from({ length: rows }, (_, row) => `(${Array.from({ length: columns }, (_, column) => {
    const placeholder = `$${row * columns + column + 1}`
    return casts === undefined ? placeholder : `CAST(${placeholder} AS ${casts[column] as string})`
  }).join(', ')})`).join(', ')
}

function byRowCount (text: (rows: number) => string): (rows: number) => string {
  const texts = new Map<number, string>()
  return (rows) => {
    let sql = texts.get(rows)
    if (sql === undefined) {
      sql = text(rows)
      texts.set(rows, sql)
    }
    return sql
  }
}

const insertEventsSql = byRowCount((rows) => `INSERT INTO stripe_events (id, type, account, livemode, api_version, created,
    received_at, status, attempts, next_attempt_at, lease_owner, lease_expires_at, object_id, source)
  VALUES ${valuesList(rows, 14)}
  ON CONFLICT (id) DO NOTHING RETURNING id`)
const insertPayloadsSql = byRowCount((rows) => `INSERT INTO stripe_event_payloads (event_id, payload) VALUES ${valuesList(rows, 2)}
  ON CONFLICT (event_id) DO NOTHING`)
const insertAttemptsSql = byRowCount((rows) => `INSERT INTO stripe_event_attempts (event_id, attempt, worker, started_at, finished_at, outcome, error)
  VALUES ${valuesList(rows, 7)}
  ON CONFLICT (event_id, started_at, worker) DO NOTHING`)
// An event with a successful run in its history (this one, or an older claim's that was fenced)
// settles handled whatever this run's outcome: its side effect is done, it must not run again.
// A handled run settles handled either way, so its history is not read: CASE and OR stop at the
// first true test, which spares the common case two lookups of the attempts per event.
const settleEventsSql = byRowCount((rows) => `UPDATE stripe_events AS e
  SET status = CASE WHEN v.column3 = 'handled' OR ${firstSuccessAt('e')} IS NULL THEN v.column3 ELSE 'handled' END,
      last_error = CASE WHEN v.column3 = 'handled' OR ${firstSuccessAt('e')} IS NULL THEN v.column4 ELSE NULL END,
      next_attempt_at = v.column5,
      handled_at = COALESCE(v.column6, ${firstSuccessAt('e')}),
      lease_owner = NULL, lease_expires_at = NULL
  FROM (VALUES ${valuesList(rows, 6, ['TEXT', 'TEXT', 'TEXT', 'TEXT', 'BIGINT', 'BIGINT'])}) AS v
  WHERE e.id = v.column1 AND ((e.status IN ('processing', 'failed') AND e.lease_owner = v.column2)
    OR (e.status = 'failed' AND v.column3 = 'handled'))
  RETURNING id`)

// A delivery of an event pruned meanwhile is not recorded: a failed foreign key would fail the
// whole batch, other deliveries' inserts included.
const insertDeliveriesSql = (bytesType: string): (rows: number) => string => byRowCount((rows) => `INSERT INTO stripe_event_deliveries
    (event_id, received_at, kind, type, object_id, payload)
  SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6
  FROM (VALUES ${valuesList(rows, 6, ['TEXT', 'BIGINT', 'TEXT', 'TEXT', 'TEXT', bytesType])}) AS v
  WHERE EXISTS (SELECT 1 FROM stripe_events e WHERE e.id = v.column1)`)

interface Planned {
  statements: SqlStatement[]
  /** Each write's answer, from the rows its statements returned (in `statements` order). */
  answer: (rows: SqlRow[][]) => boolean[]
}

const largestChunk = 64

/**
 * `items` in chunks of 64, 32, 16, ... 1, in order. A multi-row statement's text, and so its compiled
 * program in the prepared-statement cache, depends on its row count: one shape per batch size filled
 * the cache with programs of up to hundreds of KiB each, and held some 70 MiB after 50,000 events.
 * Powers of two leave seven shapes per statement.
 */
export function powerOfTwoChunks<T> (items: readonly T[]): T[][] {
  const chunks: T[][] = []
  let start = 0
  while (start < items.length) {
    let size = largestChunk
    while (size > items.length - start) size /= 2
    chunks.push(items.slice(start, start + size))
    start += size
  }
  return chunks
}

/** One plan per chunk, run as one: statements in order, answers in the writes' order. */
function planInChunks<T> (items: T[], plan: (chunk: T[]) => Planned): Planned {
  const plans = powerOfTwoChunks(items).map(plan)
  return {
    statements: plans.flatMap(({ statements }) => statements),
    answer: (rows) => {
      let offset = 0
      return plans.flatMap(({ statements, answer }) => {
        const own = rows.slice(offset, offset + statements.length)
        offset += statements.length
        return answer(own)
      })
    }
  }
}

// An id twice in a batch is written once; its later copies are duplicates. A stored event's payload
// is stored already, so the payload insert then does nothing for it.
function planInserts (inserts: Insert[]): Planned {
  if (inserts.length === 0) return { statements: [], answer: () => [] }
  const firstOfId = new Map<string, number>()
  inserts.forEach(({ event }, index) => { if (!firstOfId.has(event.id)) firstOfId.set(event.id, index) })
  const params: SqlValue[] = []
  const payloadParams: SqlValue[] = []
  for (const index of firstOfId.values()) {
    const { event, as } = inserts[index] as Insert
    const leased = as.status === 'processing'
    params.push(
      event.id, event.type, event.account, event.livemode, event.apiVersion, event.created, event.receivedAt,
      as.status, leased ? 1 : 0, leased ? as.leaseExpiresAt : event.receivedAt,
      leased ? as.owner : null, leased ? as.leaseExpiresAt : null, event.objectId, event.source
    )
    payloadParams.push(event.id, event.payload)
  }
  return {
    statements: [
      { sql: insertEventsSql(firstOfId.size), params },
      { sql: insertPayloadsSql(firstOfId.size), params: payloadParams }
    ],
    answer: ([inserted = []]) => {
      const insertedIds = new Set(inserted.map((row) => row.id as string))
      return inserts.map(({ event }, index) => firstOfId.get(event.id) === index && insertedIds.has(event.id))
    }
  }
}

// The attempts' history rows (one per run: recording the same run again, after an error that hid a
// commit, adds nothing), and the status changes, each applied only where the run's lease token
// is still the event's newest claim (a failed event keeps one only when failed by failAbandoned, while
// that last run may still be alive), or where a failed event learns of a success: an older run,
// presumed dead by the claim-time cap, that succeeded after all settles it handled. VALUES columns are column1, column2... in both SQLite and PostgreSQL.
function planFinishes (finishes: Finish[]): Planned {
  if (finishes.length === 0) return { statements: [], answer: () => [] }
  const attemptParams: SqlValue[] = []
  const updateParams: SqlValue[] = []
  for (const { attempt, result, lease } of finishes) {
    const settled = result.status === 'handled' || result.status === 'unhandled' || result.status === 'superseded'
    attemptParams.push(attempt.eventId, attempt.attempt, attempt.worker, attempt.startedAt, attempt.finishedAt, attempt.outcome, attempt.error)
    updateParams.push(
      attempt.eventId,
      lease ?? attempt.worker,
      result.status,
      'error' in result ? result.error : null,
      result.status === 'pending' ? result.nextAttemptAt : attempt.finishedAt,
      settled ? attempt.finishedAt : null
    )
  }
  return {
    statements: [
      { sql: insertAttemptsSql(finishes.length), params: attemptParams },
      { sql: settleEventsSql(finishes.length), params: updateParams }
    ],
    answer: ([, updated = []]) => {
      const settledIds = new Set(updated.map((row) => row.id as string))
      return finishes.map(({ attempt }) => settledIds.has(attempt.eventId))
    }
  }
}

/**
 * `writes` in the order of their events' ids (a stable sort: copies of one id keep their order). Two
 * batches committing at once (PostgreSQL) that insert or settle the same ids then wait for each other
 * in the same order, never each for the other (a deadlock, which would fail one batch).
 */
function inEventIdOrder<W> (writes: W[], eventId: (write: W) => string): W[] {
  if (writes.length < 2) return writes
  return writes.sort((a, b) => {
    const x = eventId(a)
    const y = eventId(b)
    return x < y ? -1 : x > y ? 1 : 0
  })
}

/**
 * The batcher of the store's hot writes. Within a batch's transaction: inserts, ends of attempts,
 * records of deliveries, then claims, so that a claim sees the slots and the events of its batch.
 * `flushHold`, if given, may put a flush off for a few turns (see accept-hold.ts).
 */
export function createBatchedWrites (client: SqlClient, flushHold?: FlushHold): BatchedWrites {
  const deliveriesSql = insertDeliveriesSql(client.dialect.bytesType)
  function planDeliveries (records: RecordDelivery[]): Planned {
    if (records.length === 0) return { statements: [], answer: () => [] }
    const params = records.flatMap(({ delivery }) =>
      [delivery.eventId, delivery.receivedAt, delivery.kind, delivery.type, delivery.objectId, delivery.payload])
    return { statements: [{ sql: deliveriesSql(records.length), params }], answer: () => records.map(() => true) }
  }

  const batcher: WriteBatcher<Write, WriteAnswer> = createWriteBatcher(async (writes: Write[]) => {
    const inserts = inEventIdOrder(writes.filter((write): write is Insert => write.kind === 'insert'), (write) => write.event.id)
    const finishes = inEventIdOrder(writes.filter((write): write is Finish => write.kind === 'finish'), (write) => write.attempt.eventId)
    const records = writes.filter((write): write is RecordDelivery => write.kind === 'delivery')
    const claims = writes.filter((write): write is Claim => write.kind === 'claim')
    // A repeated id in a later chunk finds the earlier chunk's row: a duplicate, as within one chunk.
    // Inserts first: a finish never concerns an event inserted in the same batch, but order is cheap to keep.
    const groups: Write[][] = [inserts, finishes, records]
    const plans = [planInChunks(inserts, planInserts), planInChunks(finishes, planFinishes), planInChunks(records, planDeliveries)]
    const claimStatements = claims.map(({ statement }) => statement)
    const rows = await client.transaction([...plans.flatMap((plan) => plan.statements), ...claimStatements])
    // Each write's answer, found by the write itself: the groups are no longer in the writes' order.
    const answerOf = new Map<Write, WriteAnswer>()
    let offset = 0
    plans.forEach((plan, group) => {
      const own = rows.slice(offset, offset + plan.statements.length)
      offset += plan.statements.length
      const answers = plan.answer(own)
      groups[group]?.forEach((write, index) => answerOf.set(write, answers[index] === true))
    })
    claims.forEach((write, index) => answerOf.set(write, rows[offset + index] ?? []))
    return writes.map((write) => answerOf.get(write) ?? (write.kind === 'claim' ? [] : false))
  }, 500, client.dialect.writeBatchesInFlight, flushHold)
  return {
    add: (write) => batcher.add(write) as Promise<boolean>,
    claim: (statement) => batcher.add({ kind: 'claim', statement }) as Promise<SqlRow[]>
  }
}
