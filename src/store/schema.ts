// The store's schema, as numbered migrations. Each runs once, inside the migrating transaction,
// and is written so that both SQLite and PostgreSQL accept it.
import type { SqlDialect } from './sql-client.js'

export function migrations (dialect: SqlDialect): string[][] {
  return [
    [
      // Not clustered by id (as the attempts are): Stripe's ids are random, so in SQLite every insert
      // and every settle wrote a page of its own; as a rowid table its rows append in arrival order and
      // a batch's settles share pages, and only the small id index takes a random page. Files created
      // before this keep the clustered layout: the queries are the same on both.
      `CREATE TABLE stripe_events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        account TEXT,
        livemode ${dialect.booleanType} NOT NULL,
        api_version TEXT,
        created BIGINT NOT NULL,
        received_at BIGINT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at BIGINT NOT NULL,
        lease_owner TEXT,
        lease_expires_at BIGINT,
        handled_at BIGINT
      )`,
      // The workers' queue holds only unsettled events, so claiming stays cheap however many are kept.
      // A claimed event's next_attempt_at is its lease's end: due again if its worker dies.
      "CREATE INDEX stripe_events_due ON stripe_events (next_attempt_at) WHERE status IN ('pending', 'processing')",
      'CREATE INDEX stripe_events_by_received ON stripe_events (received_at)',
      // The body lives apart from the event's status, written once: a status change then rewrites a
      // small row, not the whole payload (SQLite rewrites rows whole).
      `CREATE TABLE stripe_event_payloads (
        event_id TEXT PRIMARY KEY REFERENCES stripe_events (id) ON DELETE CASCADE,
        payload ${dialect.bytesType} NOT NULL
      )`,
      `CREATE TABLE stripe_event_attempts (
        event_id TEXT NOT NULL REFERENCES stripe_events (id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL,
        worker TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        finished_at BIGINT NOT NULL,
        outcome TEXT NOT NULL,
        error TEXT,
        PRIMARY KEY (event_id, started_at, worker)
      )${dialect.clusteredTable}`
    ],
    [
      // One row per instance, written by the readiness check while store writes are failing: a
      // write that succeeds is the only proof that the store takes writes again.
      'CREATE TABLE stripe_router_heartbeats (owner TEXT PRIMARY KEY, beat_at BIGINT NOT NULL)'
    ],
    [
      // When an operator last requeued the event (a replay): successful runs before it no longer
      // stop a claim from running the event again.
      'ALTER TABLE stripe_events ADD COLUMN requeued_at BIGINT'
    ],
    [
      // The Stripe object the event is about (data.object.id, or a thin event's related object):
      // an object's history, in Stripe's order, and the per-object ordering of handlers.
      'ALTER TABLE stripe_events ADD COLUMN object_id TEXT',
      'CREATE INDEX stripe_events_by_object ON stripe_events (object_id, created) WHERE object_id IS NOT NULL',
      // How the event first came in: 'webhook' (a signed delivery) or 'reconcile' (listed from
      // Stripe's API by the service's own key).
      "ALTER TABLE stripe_events ADD COLUMN source TEXT NOT NULL DEFAULT 'webhook'",
      // The attempts made before the last requeue (a replay or a redelivery): attempt numbers go on
      // from there, while MAX_ATTEMPTS counts only the attempts since.
      'ALTER TABLE stripe_events ADD COLUMN attempts_at_requeue INTEGER NOT NULL DEFAULT 0',
      // Every delivery after the first (the first is the event row's received_at and source): its
      // time, what became of it, and, for an id conflict (a stored id with another type or object),
      // the body as received, kept for inspection.
      `CREATE TABLE stripe_event_deliveries (
        event_id TEXT NOT NULL REFERENCES stripe_events (id) ON DELETE CASCADE,
        received_at BIGINT NOT NULL,
        kind TEXT NOT NULL,
        type TEXT NOT NULL,
        object_id TEXT,
        payload ${dialect.bytesType}
      )`,
      'CREATE INDEX stripe_event_deliveries_by_event ON stripe_event_deliveries (event_id, received_at)'
    ],
    [
      // The service's reconciliation sweep (RECONCILE_INTERVAL), one row: the lease that lets one
      // replica at a time sweep, when the latest sweep started (sweeps are spaced by the interval
      // across replicas), and when the last complete one started (the next lists from there).
      `CREATE TABLE stripe_reconcile_sweeps (
        name TEXT PRIMARY KEY,
        lease_owner TEXT,
        lease_expires_at BIGINT,
        started_at BIGINT,
        covered_until BIGINT
      )`,
      "INSERT INTO stripe_reconcile_sweeps (name) VALUES ('events')"
    ]
  ]
}
