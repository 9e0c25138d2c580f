#!/usr/bin/env bash
# Installs Debian's packages named, one installation at a time. CI runs the compose suite (which may install
# Docker) beside the tests (which may install Chromium), and apt refuses an installation while another holds
# its lock: each waits for the other here, and for any other apt on the machine up to ten minutes.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
exec 8>/tmp/genie-apt.lock
flock 8
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
