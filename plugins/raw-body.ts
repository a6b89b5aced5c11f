// Keeps the exact bytes of a request body beside the parsed JSON, for the routes that ask for it
// with `config: { rawBody: true }`: a signature is over the bytes, not over any re-serialisation.
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import fastifyRawBody from 'fastify-raw-body'

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string | Buffer
  }
}

const rawBody: FastifyPluginAsync = async (fastify) => {
  await fastify.register(fastifyRawBody, {
    field: 'rawBody',
    global: false,
    // Bytes, not text: decoding and re-encoding could change what was signed.
    encoding: false,
    // First, so that no other preParsing hook (decompression, say) changes the bytes before capture.
    runFirst: true
  })
}

export default fp(rawBody, { name: 'raw-body', fastify: '5.x' })
