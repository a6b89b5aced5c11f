// Keeps the exact bytes of a signed request body, and leaves them unparsed: a signature is over the
// bytes, and nothing from an unverified sender should be parsed. The route that registers this
// plugin parses the body itself, once, after its signature checks out.
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import fastifyRawBody from 'fastify-raw-body'
import { BodyTooLargeError } from '../src/errors.js'

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
  // fastify-raw-body already collects the bytes, so the parser only drains the stream (a second
  // copy of every body showed per request) and enforces the route's body limit while it does.
  fastify.removeContentTypeParser(['application/json', 'text/plain'])
  fastify.addContentTypeParser('application/json', (request, payload, done) => {
    const limit = request.routeOptions.bodyLimit
    let received = 0
    let finished = false
    const finish = (error: Error | null): void => {
      if (finished) return
      finished = true
      done(error, undefined)
    }
    payload.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received > limit) finish(new BodyTooLargeError(limit))
    })
    payload.on('end', () => finish(null))
    payload.on('error', finish)
  })
}

export default fp(rawBody, { name: 'raw-body', fastify: '5.x' })
