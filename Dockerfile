# The router's image. Build stage: compile TypeScript and the native SQLite module. Runtime stage:
# production dependencies only, as the non-root `node` user, SQLite data on a volume.
#   docker build -t stripe-webhook-router .
#   docker run -e STRIPE_WEBHOOK_SECRET=whsec_... -p 4242:4242 -v router-data:/data stripe-webhook-router
# Node 22, an LTS line supported until April 2027; 20 reached its end of life in April 2026.
ARG NODE_IMAGE=node:22-bookworm
ARG NODE_RUNTIME_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY src ./src
COPY plugins ./plugins
COPY handlers ./handlers
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_RUNTIME_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4242 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 4242
# node itself is the probe: slim images have no curl. METRICS_PORT moves /healthz off the webhook port.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.METRICS_PORT ?? process.env.PORT ?? 4242}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The service handles SIGTERM itself (graceful shutdown); give it SHUTDOWN_GRACE_MS plus a margin:
# docker stop --time 20, or terminationGracePeriodSeconds on Kubernetes.
STOPSIGNAL SIGTERM
# As npm start (test/project/start-command.test.ts holds the two to each other).
CMD ["node", "dist/src/server.js"]
