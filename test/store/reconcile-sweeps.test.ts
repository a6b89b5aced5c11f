// The reconciliation sweep's lease (migration 5), on the real SQLite file and the real PostgreSQL:
// one claimer at a time, sweeps spaced by the interval, a failed sweep free to be tried again.
import { join } from 'node:path'
import { test } from 'tap'
import { createSqlEventStore } from '../../src/store/sql-event-store.js'
import { openPostgresClient } from '../../src/store/postgres-client.js'
import { openSqliteClient } from '../../src/store/sqlite-client.js'
import type { EventStore } from '../../src/store/event-store.js'
import { temporaryDir } from '../helper.js'
import { backends, freshPostgresSchema } from '../helpers/postgres.js'

const minute = 60_000

for (const backend of backends) {
  test(`${backend}: the sweep is claimed by one replica at a time, once an interval, and a failed one may be retried at once`, async (t) => {
    let open: () => EventStore
    if (backend === 'sqlite') {
      const file = join(temporaryDir(t), 'events.sqlite')
      open = () => createSqlEventStore(openSqliteClient(file))
    } else {
      const url = await freshPostgresSchema(t)
      if (url === null) return
      open = () => createSqlEventStore(openPostgresClient(url))
    }
    const one = open()
    const two = open()
    t.teardown(async () => { await one.close(); await two.close() })
    await one.migrate()
    await two.migrate()
    const start = Date.now()

    const claims = await Promise.all([
      one.claimReconcileSweep('one#1', start, start + 15 * minute, start - 15 * minute),
      two.claimReconcileSweep('two#1', start, start + 15 * minute, start - 15 * minute)
    ])
    t.equal(claims.filter((claim) => claim !== null).length, 1, 'of two replicas racing, one claims')
    t.same(claims.find((claim) => claim !== null), { coveredUntil: null }, 'the first sweep ever has nothing covered')
    const [winner, loser] = claims[0] !== null ? ['one#1', two] as const : ['two#1', one] as const
    t.equal(await loser.finishReconcileSweep('someone#9', true), false, 'only the claim\'s owner ends it')
    t.equal(await one.finishReconcileSweep(winner, true), true)

    const soon = start + 5 * minute
    t.equal(await loser.claimReconcileSweep('late#1', soon, soon + 15 * minute, soon - 15 * minute), null, 'not again within the interval')
    const next = start + 16 * minute
    const claimed = await loser.claimReconcileSweep('next#1', next, next + 15 * minute, next - 15 * minute)
    t.same(claimed, { coveredUntil: start }, 'the next sweep lists from where the complete one began')
    t.equal(await one.claimReconcileSweep('other#1', next + 1000, next + 16 * minute, next - 14 * minute), null, 'a live lease is not taken')

    t.equal(await loser.finishReconcileSweep('next#1', false), true)
    const retry = next + 2000
    t.same(await one.claimReconcileSweep('retry#1', retry, retry + 15 * minute, retry - 15 * minute), { coveredUntil: start },
      'a failed sweep neither counts as covered nor holds the next one back')

    const afterCrash = retry + 16 * minute
    t.not(await two.claimReconcileSweep('takeover#1', afterCrash, afterCrash + 15 * minute, afterCrash - 15 * minute), null,
      'a sweep whose replica died is taken over once its lease has expired')
  })
}
