// `pg_ctl stop -m immediate` (every backend dies at once, as in a crash) while deliveries flow at
// 50/s; the cluster is started again 2 s later.
import { test } from 'tap'
import { runPostgresFault } from '../helpers/postgres-fault-run.js'

test('the database crash-stopped and restarted under load: 503 while it is down, nothing lost or doubled', async (t) => {
  await runPostgresFault(t, {
    name: 'restart',
    unreadyDuringFault: true,
    inject: async (cluster) => {
      await cluster.stop()
      await new Promise((resolve) => setTimeout(resolve, 2000))
      await cluster.start()
    }
  })
})
