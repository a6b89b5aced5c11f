// Signs and posts single events over keep-alive connections, for runs that count events (memory,
// soak) rather than time them: signing happens in the loop, which is fine when speed is not measured.
import { Agent, request } from 'node:http'
import Stripe from 'stripe'
import { benchSecret } from './wrk.js'

export interface Deliverer {
  /** Posts the template with `id` in place of @@EVENT_ID@@; resolves with the status code. */
  deliver: (id: string) => Promise<number>
  close: () => void
}

export function createDeliverer (url: string, template: string, connections = 32): Deliverer {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const [before, after] = template.split('@@EVENT_ID@@') as [string, string]
  return {
    deliver: async (id) => {
      const body = `${before}${id}${after}`
      const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: benchSecret })
      return await new Promise((resolve, reject) => {
        const outgoing = request(`${url}/webhook`, {
          method: 'POST', agent, headers: { 'content-type': 'application/json', 'stripe-signature': signature }
        }, (response) => {
          response.resume()
          response.on('end', () => resolve(response.statusCode ?? 0))
        })
        outgoing.on('error', reject)
        outgoing.end(body)
      })
    },
    close: () => agent.destroy()
  }
}
