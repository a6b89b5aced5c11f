// The Fastify server options the router needs wherever it runs (the server, tests, benchmarks):
// what happens before a request reaches any plugin, when the HTTP parser itself refuses it.
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { LogController, type FastifyServerOptions } from 'fastify'
import { HeadersTooLargeError, MalformedHttpRequestError, RequestTimeoutError } from '../errors.js'
import { lazyChildLogger } from '../logging/lazy-child-logger.js'

// Node's parser errors, by their code, as the service's; any other is a malformed request.
const parserErrors = new Map<string, new () => { statusCode: number, code: string, message: string }>([
  ['HPE_HEADER_OVERFLOW', HeadersTooLargeError],
  ['ERR_HTTP_REQUEST_TIMEOUT', RequestTimeoutError]
])

// Node's HTTP parser refuses some requests before Fastify sees them; answer those in the same
// `{ error, code }` shape as every other refusal, and close the connection, which cannot be reused.
function replyToClientError (error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const ParserError = parserErrors.get(error.code ?? '') ?? MalformedHttpRequestError
  const { statusCode: status, code, message } = new ParserError()
  const body = JSON.stringify({ error: message, code })
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}

/** The options, new for each server: the log controller is an object of its own per instance. */
export function routerServerOptions (): FastifyServerOptions {
  return {
    // A slow client must not hold a socket forever.
    requestTimeout: 30_000,
    // An endpoint registered as https://host/webhook/ or //webhook reaches the same route: Stripe
    // follows no redirect, and a 404 there would be retried for three days, then disabled.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // Fastify's two generic lines per request are replaced by one per delivery, with the event's id,
    // type and outcome (webhook-route.ts); refusals are logged by error-replies.ts with their reason.
    logController: new LogController({ disableRequestLogging: true }),
    // Each request's logger (with its reqId) is made only when the request logs something at an
    // enabled level: most deliveries log nothing but their one line, and a pino child per request
    // showed in the profile. A route with its own log level or serializers gets a real child.
    childLoggerFactory: (logger, bindings, options) => options.level === undefined && options.serializers === undefined
      ? lazyChildLogger(logger, bindings)
      : logger.child(bindings, options),
    clientErrorHandler: replyToClientError
  }
}
