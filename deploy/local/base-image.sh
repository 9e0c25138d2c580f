#!/usr/bin/env bash
# The Debian bookworm image that deploy/compose.local.yml builds on, for a machine that cannot pull the
# registry's images: made once with debootstrap, then kept by Docker (a second run finds it and stops).
set -euo pipefail

IMAGE=${GENIE_BASE_IMAGE:-genie-local/bookworm:base}
CACHE=${GENIE_BASE_CACHE:-/var/cache/genie-compose}

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE: already made"
  exit 0
fi
if ! command -v debootstrap >/dev/null; then
  apt-get update -qq >/dev/null  # a new machine's package lists may be empty or old
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

root="$CACHE/rootfs"
if [ ! -e "$root/.complete" ]; then  # a debootstrap cut short is started again
  rm -rf "$root"
  mkdir -p "$CACHE"
  echo "base image $IMAGE: debootstrap bookworm (about a minute and a half)"
  debootstrap --variant=minbase bookworm "$root" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE/debootstrap.log" >&2; exit 1; }
  touch "$root/.complete"
fi

# Nothing starts a service inside a build; apt installs no recommends and keeps no caches.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cat >"$root/etc/apt/apt.conf.d/90-image" <<'CONF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
CONF
# The same mirror debootstrap used, with the point releases and the security updates beside it.
main=$(grep -m1 '^deb ' "$root/etc/apt/sources.list")
{
  echo "$main"
  echo "${main/ bookworm main/ bookworm-updates main}"
  echo "${main/\/debian bookworm main/\/debian-security bookworm-security main}"
} >"$root/etc/apt/sources.list.new"
mv "$root/etc/apt/sources.list.new" "$root/etc/apt/sources.list"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root/.complete"

tar -C "$root" -c . | docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' - "$IMAGE" >/dev/null
rm -rf "$root"
echo "base image $IMAGE: made ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
