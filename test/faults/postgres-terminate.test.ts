// pg_terminate_backend of every service connection, twice, while deliveries flow at 50/s.
import { test } from 'tap'
import { runPostgresFault } from '../helpers/postgres-fault-run.js'

test('connections terminated under load: never a crash, a 2xx only when stored, nothing lost or doubled', async (t) => {
  await runPostgresFault(t, {
    name: 'terminate',
    unreadyDuringFault: false,
    inject: async (cluster) => {
      const first = await cluster.terminateBackends()
      await new Promise((resolve) => setTimeout(resolve, 1500))
      const second = await cluster.terminateBackends()
      t.comment(`terminated ${first} then ${second} backends`)
    }
  })
})
