// The database frozen (the postmaster and every backend SIGSTOPped: sockets open, nothing answers)
// for 5 s while deliveries flow at 50/s; the timeouts must end every wait.
import { test } from 'tap'
import { runPostgresFault } from '../helpers/postgres-fault-run.js'

test('the database frozen 5 s under load: /readyz answers 503 in time, deliveries end, nothing lost or doubled', async (t) => {
  await runPostgresFault(t, {
    name: 'freeze',
    unreadyDuringFault: true,
    inject: async (cluster) => {
      cluster.freeze()
      await new Promise((resolve) => setTimeout(resolve, 5000))
      cluster.thaw()
    }
  })
})
