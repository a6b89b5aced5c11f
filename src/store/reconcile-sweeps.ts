// The reconciliation sweep's lease (migration 5): like an event's, claimed with one conditional
// UPDATE, so the database decides which replica sweeps, and sweeps are spaced across replicas.
import type { ReconcileSweepClaim } from './event-store.js'
import type { SqlClient } from './sql-client.js'

/** Claims the sweep for `owner`; see EventStore.claimReconcileSweep. */
export async function claimReconcileSweep (client: SqlClient, owner: string, now: number, leaseExpiresAt: number, lastStartedBy: number): Promise<ReconcileSweepClaim | null> {
  const rows = await client.query({
    sql: `UPDATE stripe_reconcile_sweeps SET lease_owner = $1, lease_expires_at = $2, started_at = $3
          WHERE name = 'events' AND (lease_expires_at IS NULL OR lease_expires_at < $3) AND (started_at IS NULL OR started_at <= $4)
          RETURNING covered_until`,
    params: [owner, leaseExpiresAt, now, lastStartedBy]
  })
  const row = rows[0]
  if (row === undefined) return null
  return { coveredUntil: row.covered_until === null ? null : Number(row.covered_until) }
}

/** Ends `owner`'s sweep; see EventStore.finishReconcileSweep. */
export async function finishReconcileSweep (client: SqlClient, owner: string, completed: boolean): Promise<boolean> {
  const rows = await client.query({
    // A failed sweep does not count as the latest start: whichever replica retries first may sweep.
    sql: `UPDATE stripe_reconcile_sweeps SET lease_owner = NULL, lease_expires_at = NULL,
            covered_until = CASE WHEN $2 = 1 THEN started_at ELSE covered_until END,
            started_at = CASE WHEN $2 = 1 THEN started_at ELSE NULL END
          WHERE name = 'events' AND lease_owner = $1
          RETURNING name`,
    params: [owner, completed ? 1 : 0]
  })
  return rows.length === 1
}
