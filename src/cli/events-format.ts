// How the events commands print what they found: aligned tables for people, JSON lines for
// scripts. In JSON an absent value is null, never a placeholder a script could take for data.
import type { Attempt, Delivery, EventStatus, RequeueOutcome, RequeueResult, StoredEvent } from '../store/event-store.js'

/** A time in milliseconds as ISO 8601, or null. */
export function isoOrNull (ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

// In a table, an absent value is a dash: the columns stay aligned.
const shown = (value: string | number | null): string => value === null ? '-' : String(value)

/** One line of text, cut to `width` characters with an ellipsis. */
export function truncate (text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ')
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`
}

/** An event's fields for `--json`: times as ISO strings or null. */
export function eventJson (event: StoredEvent): Record<string, unknown> {
  return {
    id: event.id,
    type: event.type,
    status: event.status,
    attempts: event.attempts,
    attemptsAtRequeue: event.attemptsAtRequeue,
    created: isoOrNull(event.created * 1000),
    receivedAt: isoOrNull(event.receivedAt),
    handledAt: isoOrNull(event.handledAt),
    nextAttemptAt: event.status === 'pending' ? isoOrNull(event.nextAttemptAt) : null,
    livemode: event.livemode,
    account: event.account,
    objectId: event.objectId,
    source: event.source,
    apiVersion: event.apiVersion,
    lastError: event.lastError
  }
}

/**
 * Rows of cells as lines, each column as wide as its widest cell, two spaces apart; the columns
 * numbered in `numeric` (counts, durations) aligned right, the last column not padded.
 */
export function table (rows: string[][], numeric: readonly number[] = []): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? []
  const pad = (cell: string, column: number, last: boolean): string => {
    const width = widths[column] as number
    if (numeric.includes(column)) return cell.padStart(width)
    return last ? cell : cell.padEnd(width)
  }
  return rows.map((row) => row.map((cell, column) => pad(cell, column, column === row.length - 1)).join('  ').trimEnd())
}

const lastErrorWidth = 60

/**
 * The `list` table: when each was received (or, for one object's history, Stripe's `created`),
 * status, attempts, test or live mode, account, type, id and the last error, cut to one short line.
 */
export function eventTable (events: StoredEvent[], byCreated: boolean): string[] {
  if (events.length === 0) return ['No events match.']
  return table([
    [byCreated ? 'CREATED' : 'RECEIVED', 'STATUS', 'TRIES', 'MODE', 'ACCOUNT', 'TYPE', 'ID', 'LAST ERROR'],
    ...events.map((event) => [
      isoOrNull(byCreated ? event.created * 1000 : event.receivedAt) as string,
      event.status,
      String(event.attempts),
      event.livemode ? 'live' : 'test',
      shown(event.account),
      event.type,
      event.id,
      event.lastError === null ? '-' : truncate(event.lastError, lastErrorWidth)
    ])
  ], [2])
}

/** A delivery as `show` lists it; `body` is the text of an id conflict's body, kept for inspection. */
export interface ShownDelivery {
  receivedAt: number
  kind: string
  type: string
  objectId: string | null
  body: string | null
}

/** The first delivery (the event row itself) and every later one, oldest first. */
export function allDeliveries (event: StoredEvent, later: Delivery[]): ShownDelivery[] {
  return [
    { receivedAt: event.receivedAt, kind: `first (${event.source})`, type: event.type, objectId: event.objectId, body: null },
    ...later.map(({ receivedAt, kind, type, objectId, payload }) => ({ receivedAt, kind, type, objectId, body: payload?.toString('utf8') ?? null }))
  ]
}

/** `show` for people: aligned fields, then the attempts and the deliveries as tables. */
export function eventDetails (event: StoredEvent, attempts: Attempt[], deliveries: ShownDelivery[]): string[] {
  const sinceRequeue = event.attempts - event.attemptsAtRequeue
  const fields: Array<[string, string]> = [
    ['id', event.id],
    ['type', event.type],
    ['status', event.status],
    ['object', shown(event.objectId)],
    ['account', shown(event.account)],
    ['mode', event.livemode ? 'live' : 'test'],
    ['api version', shown(event.apiVersion)],
    ['created', `${isoOrNull(event.created * 1000) as string} (Stripe)`],
    ['received', `${isoOrNull(event.receivedAt) as string} (${event.source})`],
    ['handled', shown(isoOrNull(event.handledAt))],
    ['next attempt', event.status === 'pending' ? isoOrNull(event.nextAttemptAt) as string : '-'],
    ['attempts', event.attemptsAtRequeue === 0 ? String(event.attempts) : `${event.attempts} (${sinceRequeue} since the last requeue)`],
    ['last error', shown(event.lastError)]
  ]
  const labelWidth = Math.max(...fields.map(([label]) => label.length))
  const lines = fields.map(([label, value]) => `${label.padEnd(labelWidth)}  ${value}`)
  lines.push('', 'Attempts')
  if (attempts.length === 0) lines.push('  none yet')
  else {
    lines.push(...table([
      ['#', 'STARTED', 'OUTCOME', 'DURATION', 'ERROR'],
      ...attempts.map((attempt) => [
        String(attempt.attempt),
        isoOrNull(attempt.startedAt) as string,
        attempt.outcome,
        `${attempt.finishedAt - attempt.startedAt} ms`,
        shown(attempt.error)
      ])
    ], [0, 3]).map((line) => `  ${line}`))
  }
  lines.push('', 'Deliveries')
  lines.push(...table([
    ['RECEIVED', 'KIND', 'TYPE', 'OBJECT'],
    ...deliveries.map((delivery) => [isoOrNull(delivery.receivedAt) as string, delivery.kind, delivery.type, shown(delivery.objectId)])
  ]).map((line) => `  ${line}`))
  // An id conflict's body is the one copy of what that delivery said: shown whole, since nothing ran it.
  for (const delivery of deliveries) {
    if (delivery.body !== null) lines.push('', `Body of the ${delivery.kind} delivery of ${isoOrNull(delivery.receivedAt) as string}`, delivery.body)
  }
  return lines
}

/** `show --json`: the event's fields, its attempts and deliveries, times as ISO strings or null. */
export function eventDetailsJson (event: StoredEvent, attempts: Attempt[], deliveries: ShownDelivery[]): Record<string, unknown> {
  return {
    ...eventJson(event),
    attemptHistory: attempts.map((attempt) => ({ ...attempt, startedAt: isoOrNull(attempt.startedAt), finishedAt: isoOrNull(attempt.finishedAt) })),
    deliveries: deliveries.map((delivery) => ({ ...delivery, receivedAt: isoOrNull(delivery.receivedAt) }))
  }
}

const handlers = (n: string): string => n.endsWith(' is') ? 'the handler' : 'their handlers'

// Why an event was not requeued, and what to do about it; `n` reads "1 is" or "2 are".
const notRequeuedBecause: Record<Exclude<RequeueOutcome, 'requeued'>, (n: string) => string> = {
  unknown: (n) => `${n} not stored (unknown id)`,
  leased: (n) => `${n} being handled right now (leased); replay once the attempt ends`,
  handled: (n) => `${n} already handled; add --force to run ${handlers(n)} again`,
  ignored: (n) => `${n} ignored by the LIVEMODE guard; add --force to run ${handlers(n)} anyway`,
  superseded: (n) => `${n} superseded by a newer event of the same object; add --force to check ${n.endsWith(' is') ? 'it' : 'them'} again`
}

const listedIds = 10

function idList (ids: string[]): string {
  const more = ids.length - listedIds
  return ids.slice(0, listedIds).join(', ') + (more > 0 ? ` and ${more} more` : '')
}

/** What a replay did: how many were requeued, then, for each reason, how many were not and which. */
export function replayReport (results: RequeueResult[]): string[] {
  if (results.length === 0) return ['No events match: nothing requeued.']
  const requeued = results.filter((result) => result.outcome === 'requeued').map((result) => result.id)
  const lines = [`Requeued ${requeued.length} event${requeued.length === 1 ? '' : 's'}${requeued.length > 0 ? `: ${idList(requeued)}` : ''}.`]
  for (const [outcome, because] of Object.entries(notRequeuedBecause)) {
    const ids = results.filter((result) => result.outcome === outcome).map((result) => result.id)
    if (ids.length === 0) continue
    const count = `${ids.length} ${outcome === 'unknown' ? '' : 'matched but '}${ids.length === 1 ? 'is' : 'are'}`
    lines.push(`Not requeued: ${because(count)}: ${idList(ids)}.`)
  }
  if (requeued.length > 0) lines.push('A running service hands them to their handlers at its next poll.')
  return lines
}

/** What `prune --dry-run` would delete: the total and the count in each status. */
export function pruneForecast (counts: Partial<Record<EventStatus, number>>, before: number): string {
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0)
  const byStatus = Object.entries(counts).map(([status, count]) => `${status} ${count}`).join(', ')
  return `Would prune ${total} settled event${total === 1 ? '' : 's'} received before ${isoOrNull(before) as string}` +
    `${total === 0 ? '' : ` (${byStatus})`}; nothing was deleted (--dry-run).`
}
