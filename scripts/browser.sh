#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a downloaded one); install it if it is missing.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
command -v chromium
