#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a downloaded one); install it if it is missing.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium for the browser tests"
  bash "$(dirname "$0")/apt-install.sh" chromium
fi
command -v chromium
