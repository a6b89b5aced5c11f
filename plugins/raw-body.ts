// Keeps the exact bytes of a signed request body, and leaves them unparsed: a signature is over the
// bytes, and nothing from an unverified sender should be parsed. The route that registers this
// plugin parses the body itself, once, after its signature checks out.
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import fastifyRawBody from 'fastify-raw-body'
import type { Readable } from 'node:stream'
import { BodyTooLargeError, UnsupportedContentEncodingError } from '../src/errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string | Buffer
  }
}

const rawBody: FastifyPluginAsync = async (fastify) => {
  await fastify.register(fastifyRawBody, {
    field: 'rawBody',
    // Only routes with `config: { rawBody: true }`: the webhook route.
    global: false,
    // Bytes, not text: decoding and re-encoding could change what was signed.
    encoding: false,
    // First, so that no other preParsing hook (decompression, say) changes the bytes before capture.
    runFirst: true
  })
  // fastify-raw-body's own JSON parser would parse before the signature is checked; keep the bytes
  // instead. Stripe sends JSON only, so Fastify's text/plain parser goes too: any other type is a 415.
  fastify.removeContentTypeParser(['application/json', 'text/plain'])
  fastify.addContentTypeParser('application/json', (request, payload, done) => {
    // A compressed body is neither what Stripe signs nor what it sends.
    const encoding = request.headers['content-encoding']
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      done(new UnsupportedContentEncodingError(JSON.stringify(encoding)), undefined)
      return
    }
    awaitBody(request.headers['content-length'], request.routeOptions.bodyLimit, payload, done)
  })
}

// fastify-raw-body already collects the bytes, so the parser only waits for the end of the stream
// (a second copy of every body showed per request) and holds the route's body limit.
function awaitBody (contentLength: string | undefined, limit: number, payload: Readable, done: (error: Error | null, body: undefined) => void): void {
  let finished = false
  const finish = (error: Error | null): void => {
    if (finished) return
    finished = true
    done(error, undefined)
  }
  payload.on('end', () => finish(null))
  payload.on('error', finish)
  // fastify-raw-body reads the stream only for routes that ask for the raw body; on any other route
  // in this scope nothing would read it and the request would never end. Resuming lets it drain
  // (the route gets no body); where fastify-raw-body is already reading, it changes nothing.
  payload.resume()
  // With a Content-Length, Node's HTTP parser reads that many bytes and no more: the header alone
  // says whether the body fits. A chunked body is counted as it arrives.
  if (contentLength !== undefined) {
    if (Number(contentLength) > limit) finish(new BodyTooLargeError(limit))
    return
  }
  let received = 0
  payload.on('data', (chunk: Buffer) => {
    received += chunk.length
    if (received > limit) finish(new BodyTooLargeError(limit))
  })
}

export default fp(rawBody, { name: 'raw-body', fastify: '5.x' })
