// A local fake of the part of the Stripe API the router's tools use: webhook endpoints (listed,
// retrieved, created, updated) for the endpoint check, the List Events API for reconciliation, and
// any other GET (a thin event's fetches) answered with the id it asked for, all behind a secret key. The stripe client is pointed at it with
// host/port/protocol, so no test ever reaches the internet.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export const FAKE_SECRET_KEY = 'sk_test_fake_0000000000000000000000'

export interface FakeEndpoint {
  id: string
  object: 'webhook_endpoint'
  url: string
  enabled_events: string[]
  status: 'enabled' | 'disabled'
  secret?: string
}

/** An event the fake lists, and whether Stripe delivered it (`delivery_success`). */
export interface FakeListedEvent {
  event: { id: string, type: string, created: number } & Record<string, unknown>
  deliverySuccess: boolean
}

export interface FakeStripeApi {
  port: number
  endpoints: Map<string, FakeEndpoint>
  /** What GET /v1/events lists: newest `created` first, as Stripe does. */
  events: FakeListedEvent[]
  /** The query of every GET /v1/events, in order. */
  eventListQueries: URLSearchParams[]
  /** Answer the next this-many requests with 429 (and Retry-After: 1), as Stripe's rate limiter does. */
  rateLimitNext: number
  /** Method and path of every request, in order. */
  requests: string[]
  /** The Stripe-Context header of every request that had one. */
  contexts: string[]
  close: () => Promise<void>
}

function reply (response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake' })
  response.end(JSON.stringify(body))
}

function stripeError (response: ServerResponse, status: number, type: string, message: string): void {
  reply(response, status, { error: { type, message } })
}

async function formBody (request: IncomingMessage): Promise<URLSearchParams> {
  let text = ''
  for await (const chunk of request) text += String(chunk)
  return new URLSearchParams(text)
}

// stripe-node sends arrays as enabled_events[0]=a&enabled_events[1]=b.
function arrayParam (form: URLSearchParams, name: string): string[] | undefined {
  const values = [...form.entries()].filter(([key]) => key.startsWith(`${name}[`)).map(([, value]) => value)
  return values.length === 0 ? undefined : values
}

// GET /v1/events: created[gte], types[], delivery_success, then pages of `limit` after starting_after.
function listEvents (events: FakeListedEvent[], query: URLSearchParams): unknown {
  const gte = query.get('created[gte]')
  const types = [...query.entries()].filter(([key]) => key.startsWith('types[')).map(([, value]) => value)
  const delivery = query.get('delivery_success')
  const matching = [...events]
    .sort((a, b) => b.event.created - a.event.created)
    .filter(({ event, deliverySuccess }) => (gte === null || event.created >= Number(gte)) &&
      (types.length === 0 || types.includes(event.type)) &&
      (delivery === null || String(deliverySuccess) === delivery))
    .map(({ event }) => event)
  const after = query.get('starting_after')
  const start = after === null ? 0 : matching.findIndex((event) => event.id === after) + 1
  const limit = Number(query.get('limit') ?? 10)
  return { object: 'list', url: '/v1/events', has_more: start + limit < matching.length, data: matching.slice(start, start + limit) }
}

function withoutSecret ({ secret: _secret, ...endpoint }: FakeEndpoint): Omit<FakeEndpoint, 'secret'> {
  return endpoint
}

export async function startFakeStripeApi (initial: Array<Omit<FakeEndpoint, 'object' | 'status'>> = []): Promise<FakeStripeApi> {
  const endpoints = new Map<string, FakeEndpoint>(initial.map((endpoint) => [endpoint.id, { object: 'webhook_endpoint', status: 'enabled', ...endpoint }]))
  const requests: string[] = []
  const contexts: string[] = []
  const eventListQueries: URLSearchParams[] = []
  let created = 0
  // The returned object is the live state: tests set its events and rateLimitNext.
  const state = { events: [] as FakeListedEvent[], rateLimitNext: 0 }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake')
    requests.push(`${request.method ?? ''} ${url.pathname}`)
    const context = request.headers['stripe-context']
    if (typeof context === 'string') contexts.push(context)
    if (request.headers.authorization !== `Bearer ${FAKE_SECRET_KEY}`) {
      stripeError(response, 401, 'invalid_request_error', 'Invalid API Key provided')
      return
    }
    if (state.rateLimitNext > 0) {
      state.rateLimitNext -= 1
      response.setHeader('retry-after', '1')
      stripeError(response, 429, 'invalid_request_error', 'Too many requests hit the API too quickly.')
      return
    }
    const id = /^\/v1\/webhook_endpoints\/([^/]+)$/.exec(url.pathname)?.[1]
    const handle = async (): Promise<void> => {
      if (url.pathname === '/v1/events' && request.method === 'GET') {
        eventListQueries.push(url.searchParams)
        reply(response, 200, listEvents(state.events, url.searchParams))
      } else if (url.pathname === '/v1/webhook_endpoints' && request.method === 'GET') {
        reply(response, 200, { object: 'list', url: '/v1/webhook_endpoints', has_more: false, data: [...endpoints.values()].map(withoutSecret) })
      } else if (url.pathname === '/v1/webhook_endpoints' && request.method === 'POST') {
        const form = await formBody(request)
        created += 1
        const endpoint: FakeEndpoint = {
          id: `we_fake${created}`,
          object: 'webhook_endpoint',
          url: form.get('url') ?? '',
          enabled_events: arrayParam(form, 'enabled_events') ?? [],
          status: 'enabled',
          secret: `whsec_fake_created_${created}`
        }
        endpoints.set(endpoint.id, endpoint)
        reply(response, 200, endpoint)
      } else if (!url.pathname.startsWith('/v1/webhook_endpoints') && request.method === 'GET') {
        // Any other object: what a thin-event handler fetches, echoing the id it asked for.
        reply(response, 200, { id: url.pathname.split('/').at(-1), object: 'fake_object', fetched_from: url.pathname })
      } else if (id !== undefined && endpoints.has(id)) {
        const endpoint = endpoints.get(id) as FakeEndpoint
        if (request.method === 'POST') endpoint.enabled_events = arrayParam(await formBody(request), 'enabled_events') ?? endpoint.enabled_events
        reply(response, 200, withoutSecret(endpoint))
      } else {
        stripeError(response, 404, 'invalid_request_error', `No such webhook endpoint: '${id ?? url.pathname}'`)
      }
    }
    handle().catch((error: unknown) => stripeError(response, 500, 'api_error', String(error)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return Object.assign(state, {
    port: (server.address() as AddressInfo).port,
    endpoints,
    requests,
    contexts,
    eventListQueries,
    close: async () => { await new Promise((resolve) => server.close(resolve)) }
  })
}
