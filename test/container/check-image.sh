#!/usr/bin/env bash
# Proves the real Dockerfile here, with podman: builds it against a local stand-in for the Node base
# image, starts the container with a secret, delivers a signed event and sees it handled, checks it
# runs as non-root, then sends SIGTERM and sees a clean exit within the grace period.
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in podman debootstrap runc; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq podman debootstrap runc >/dev/null; break; }
done

base=localhost/stripe-router-node-standin:20
image=localhost/stripe-webhook-router:check
container=stripe-router-check-$$
secret=whsec_container_check_0123456789
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
podman_flags=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

bash test/container/make-node-image.sh "$base"

echo "building the Dockerfile on $base"
# Docker's image format: OCI images have no HEALTHCHECK.
podman build "${podman_flags[@]}" --format docker --quiet --network host \
  --build-arg NODE_IMAGE="$base" --build-arg NODE_RUNTIME_IMAGE="$base" -t "$image" . >/dev/null

cleanup() { podman rm -f "$container" >/dev/null 2>&1 || true; }
trap cleanup EXIT
# The health check is run by hand below; podman would otherwise want systemd timers for it.
podman run "${podman_flags[@]}" -d --no-healthcheck --name "$container" --network host \
  -e STRIPE_WEBHOOK_SECRET="$secret" -e PORT="$port" -e SHUTDOWN_GRACE_MS=5000 "$image" >/dev/null

for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { podman logs "$container"; echo "FAIL: the container never became ready"; exit 1; }

# Output is captured before it is searched: under pipefail, a producer piped into `grep -q` fails at
# random when grep exits on its first match and the producer dies of SIGPIPE. See test/ci-scripts.test.ts.
container_log() { podman logs "$container" 2>&1; }
fail() { local log; log=$(container_log); tail -n 20 <<<"$log"; echo "FAIL: $1"; exit 1; }

status=$(node --input-type=module -e "
  import Stripe from 'stripe'
  import { readFileSync } from 'node:fs'
  const payload = readFileSync('test/fixtures/payment_intent.succeeded.json', 'utf8')
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: '$secret' })
  const response = await fetch('http://127.0.0.1:$port/webhook', { method: 'POST', body: payload,
    headers: { 'content-type': 'application/json', 'stripe-signature': signature } })
  console.log(response.status)")
[ "$status" = 200 ] || fail "the signed delivery answered $status"
echo "ok - a signed delivery is acknowledged (200)"

handled=no
for _ in $(seq 1 50); do
  log=$(container_log)
  if grep -q 'PaymentIntent was successful!' <<<"$log"; then handled=yes; break; fi
  sleep 0.1
done
[ "$handled" = yes ] || fail "the handler did not run"
echo "ok - the event was handled inside the container"

uid=$(podman exec "$container" id -u)
user=$(podman exec "$container" id -un)
[ "$uid" != 0 ] || fail "the service runs as root"
echo "ok - the service runs as $user (uid $uid), not root"

inspected=$(podman image inspect "$image")
healthcheck=$(grep -A10 '"Healthcheck"' <<<"$inspected" || true)
grep -q healthz <<<"$healthcheck" || fail "the image has no HEALTHCHECK"
podman exec "$container" node -e "fetch('http://127.0.0.1:$port/healthz').then((r) => process.exit(r.ok ? 0 : 1))" || fail "the health check command fails"
echo "ok - the image's HEALTHCHECK probes /healthz and passes"

[ "$(podman inspect --format '{{.Config.User}}' "$image")" = node ] || fail "the image's USER is not node"
volumes=$(podman inspect --format '{{json .Config.Volumes}}' "$image")
grep -q '/data' <<<"$volumes" || fail "no volume for /data"
echo "ok - USER node, VOLUME /data"

started=$(date +%s%N)
podman stop --time 15 "$container" >/dev/null
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
code=$(podman inspect --format '{{.State.ExitCode}}' "$container")
[ "$code" = 0 ] || fail "SIGTERM exit code $code"
[ "$elapsed_ms" -lt 15000 ] || fail "the stop took ${elapsed_ms} ms: it was killed, not stopped"
log=$(container_log)
grep -q '"signal":"SIGTERM"' <<<"$log" || fail "the service did not log its SIGTERM shutdown"
echo "ok - SIGTERM: clean exit 0 in ${elapsed_ms} ms (grace 5000 ms)"
echo "container check passed"
