#!/usr/bin/env bash
# The charting library the gateway serves, taken from its npm package at a pinned version and checked
# against the registry's integrity hash. Kept out of git; `make setup` and the Docker build run this.
set -euo pipefail

VERSION=4.6.1
INTEGRITY="sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g=="
DEST="${1:-$(dirname "$0")/../services/gateway/static/vendor}"
FILE="$DEST/chart.umd.min.js"

if [ -f "$FILE" ] && head -c 200 "$FILE" | grep -q "Chart.js v$VERSION"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "installing npm (Debian's) to fetch chart.js $VERSION once"
  bash "$(dirname "$0")/apt-install.sh" npm
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "chart.js@$VERSION" --silent >/dev/null)
got="sha512-$(openssl dgst -sha512 -binary "$work/chart.js-$VERSION.tgz" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
  echo "chart.js $VERSION: the package's hash is not the registry's ($got)" >&2
  exit 1
fi
tar -xzf "$work/chart.js-$VERSION.tgz" -C "$work" package/dist/chart.umd.min.js package/LICENSE.md
mkdir -p "$DEST"
cp "$work/package/dist/chart.umd.min.js" "$FILE"
cp "$work/package/LICENSE.md" "$DEST/chart.js.LICENSE.md"
echo "chart.js $VERSION in $DEST"
