// The fixed-rate sender holds its rate (not as fast as answers come), signs each delivery the way
// Stripe does, and counts as acknowledged only the ids answered 2xx.
import { createServer } from 'node:http'
import { test } from 'tap'
import Stripe from 'stripe'
import { backlogTimeline, runPacedLoad } from '../../bench/lib/paced-load.js'
import { benchSecret } from '../../bench/lib/wrk.js'

test('200 requests a second for 1 s arrive spread over the second, signed, and only 2xx answers count as acknowledged', async (t) => {
  const arrivals: number[] = []
  let verified = 0
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => { body += chunk.toString() })
    request.on('end', () => {
      arrivals.push(Date.now())
      const signature = Stripe.webhooks.signature
      if (signature === null) throw new Error('stripe-node has no signature helper')
      signature.verifyHeader(body, request.headers['stripe-signature'] as string, benchSecret)
      verified++
      const { id } = JSON.parse(body) as { id: string }
      // Every tenth refused: not acknowledged.
      response.statusCode = id.endsWith('0') ? 500 : 200
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  const address = server.address() as { port: number }
  const result = await runPacedLoad({ url: `http://127.0.0.1:${address.port}`, template: '{"id":"@@EVENT_ID@@","type":"payment_intent.succeeded"}', rate: 200, seconds: 1, idPrefix: 'evt_paced' })
  t.equal(result.sent, 200)
  t.equal(verified, 200, 'every delivery carried a valid signature')
  t.equal(result.acknowledged.length, 180)
  t.equal(result.failures, 20)
  t.notOk(result.acknowledged.some((id) => id.endsWith('0')), 'refused ids are not acknowledged')
  // Sent at once they would all arrive within some tens of ms; a loaded machine may delay the first ones.
  const spanMs = Math.max(...arrivals) - Math.min(...arrivals)
  t.ok(spanMs >= 500, `the requests were spread over the second (${spanMs} ms from first to last), not sent at once`)
  t.ok(result.lastSentAt - result.startedAt >= 950, 'the load lasted its second')
})

test('the backlog timeline counts, at each step, the acknowledged events sent by then and how many of them were handled', async (t) => {
  const startedAt = 1_000_000
  // 10 a second for 3 s: ids _0 to _29. Handled 0.5 s after sending until 1 s in, then stalled until
  // 4 s in, when all that was left was handled at once.
  const acknowledged = Array.from({ length: 30 }, (_, index) => `evt_paced_${index}`)
  const handledAt = new Map(acknowledged.map((id, index) => [id, startedAt + (index < 10 ? index * 100 + 500 : 4_000)]))
  const timeline = backlogTimeline({ acknowledged, startedAt }, 10, handledAt, 1)
  t.same(timeline.map(({ atSeconds, sent, handled }) => [atSeconds, sent, handled]), [
    [1, 11, 6],
    [2, 21, 10],
    [3, 30, 10],
    [4, 30, 30]
  ])
})

test('an acknowledged event never handled stays in the backlog', async (t) => {
  const timeline = backlogTimeline({ acknowledged: ['evt_paced_0', 'evt_paced_1'], startedAt: 0 }, 1, new Map([['evt_paced_0', 500]]), 1)
  t.same(timeline, [{ atSeconds: 1, sent: 2, handled: 1 }])
})
