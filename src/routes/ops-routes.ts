// GET /healthz, /readyz and /metrics, for the orchestrator and Prometheus. Served beside the
// webhook, or on METRICS_PORT by a server of their own; either way they read the router app's state.
// Their requests are logged only at warn, so that probes every few seconds do not flood the log.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'

export interface OpsRoutesOptions {
  /** The router app whose health and metrics these routes report. */
  router: FastifyInstance
}

const opsRoutes: FastifyPluginAsync<OpsRoutesOptions> = async (fastify, { router }) => {
  const quiet = { logLevel: 'warn' as const }

  fastify.get('/healthz', quiet, async () => ({ status: 'ok' }))

  fastify.get('/readyz', quiet, async (_request, reply) => {
    const { ready, checks } = await router.readiness()
    return await reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unready', ...checks })
  })

  fastify.get('/metrics', quiet, async (_request, reply) => {
    const { registry } = router.metrics
    return await reply.type(registry.contentType).send(await registry.metrics())
  })
}

export default opsRoutes
