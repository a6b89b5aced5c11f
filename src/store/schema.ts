// The store's schema, as numbered migrations. Each runs once, inside the migrating transaction,
// and is written so that both SQLite and PostgreSQL accept it.
import type { SqlDialect } from './sql-client.js'

export function migrations (dialect: SqlDialect): string[][] {
  return [
    [
      `CREATE TABLE stripe_events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        account TEXT,
        livemode ${dialect.booleanType} NOT NULL,
        api_version TEXT,
        created BIGINT NOT NULL,
        received_at BIGINT NOT NULL,
        payload ${dialect.bytesType} NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at BIGINT NOT NULL,
        lease_owner TEXT,
        lease_expires_at BIGINT,
        handled_at BIGINT
      )`,
      // The workers' queue: what is due, and what was abandoned by a crashed worker.
      'CREATE INDEX stripe_events_due ON stripe_events (status, next_attempt_at)',
      'CREATE INDEX stripe_events_by_type ON stripe_events (type, received_at)',
      'CREATE INDEX stripe_events_by_received ON stripe_events (received_at)',
      `CREATE TABLE stripe_event_attempts (
        event_id TEXT NOT NULL REFERENCES stripe_events (id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL,
        worker TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        finished_at BIGINT NOT NULL,
        outcome TEXT NOT NULL,
        error TEXT
      )`,
      'CREATE INDEX stripe_event_attempts_by_event ON stripe_event_attempts (event_id, attempt)'
    ]
  ]
}
