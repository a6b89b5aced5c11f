#!/usr/bin/env bash
# Makes a local stand-in for the official Node image (no registry is reachable here): Debian
# bookworm from debootstrap, this machine's Node.js and npm, a `node` user (uid 1000) as in the
# official image, build tools for native modules, and this machine's CA bundle so npm can reach
# the registry through the local TLS proxy. Kept between runs: made once per machine.
set -euo pipefail
image=${1:-localhost/stripe-router-node-standin:20}

if podman image exists "$image"; then
  echo "stand-in image $image exists"
  exit 0
fi

rootfs=$(mktemp -d /var/tmp/node-standin.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
# sed stops at the first match itself: piped into head instead, it could fail the script under pipefail.
mirror=$(sed -nE '/^URIs: (http[^ ]*debian)$/{s//\1/p;q}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
debootstrap --variant=minbase --include=ca-certificates,python3,make,g++ bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >/dev/null

node_bin=$(command -v node)
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
# Node's headers, so node-gyp builds native modules without downloading them.
node_headers=$(dirname "$(dirname "$node_bin")")/include/node
cp -a "$node_headers" "$rootfs/usr/local/include/node"
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/usr/local/share/ca-certificates/machine-bundle.crt"
chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || true
chroot "$rootfs" useradd --create-home --uid 1000 --shell /bin/bash node

tar -C "$rootfs" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'ENV npm_config_nodedir=/usr/local' \
  --change 'CMD ["node"]' \
  - "$image" >/dev/null
echo "made stand-in image $image"
