#!/usr/bin/env bash
# The compose suite (tests/compose/): the production topology really started, then broken on purpose.
# Installs Docker and Compose from Debian's packages if they are missing, starts dockerd if it is not running
# (and stops it again at the end), makes the local base image once, builds the images, runs the tests, and
# removes every container and volume it made. Images stay, so that the next run builds from cache.
#
#   GENIE_COMPOSE_IMAGES=local     (default) deploy/compose.local.yml on top: images built here from Debian's
#                                  packages, for a machine that cannot pull the registry's images
#   GENIE_COMPOSE_IMAGES=registry  docker-compose.yml alone, with the official RabbitMQ and PostgreSQL images
#
# Exit status 3: this machine cannot run containers (said why); anything else non-zero: a test failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
started=$SECONDS
cannot() { echo "compose-test: cannot run the compose suite on this machine: $*" >&2; exit 3; }
say() { echo "compose-test: $*"; }

[ "$(id -u)" = 0 ] || docker info >/dev/null 2>&1 || cannot "not root, and no Docker engine this user may use"
# The image is built from the sources as `make setup` leaves them (the charting library fetched, the words compiled).
[ -e .venv/.installed ] && [ -s services/gateway/static/vendor/chart.umd.min.js ] || make setup

exec 9>/tmp/genie-compose-test.lock  # one run at a time on a machine: they would share dockerd and images
flock 9

if ! command -v dockerd >/dev/null || ! command -v docker-compose >/dev/null; then
  command -v apt-get >/dev/null || cannot "no dockerd/docker-compose, and no apt-get to install them"
  say "installing docker.io and docker-compose (Debian's packages)"
  bash "$ROOT/scripts/apt-install.sh" docker.io docker-compose \
    || cannot "apt-get could not install docker.io and docker-compose"
fi
export DOCKER_BUILDKIT=0  # the classic builder: Debian's Docker has no buildx

dockerd_pid=""
export COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-geniecompose}
case "${GENIE_COMPOSE_IMAGES:-local}" in
  local) export COMPOSE_FILE="$ROOT/docker-compose.yml:$ROOT/deploy/compose.local.yml"
         export GENIE_APP_IMAGE=genie-coordination:local GENIE_PYTHON_IMAGE=genie-local/bookworm:base \
           GENIE_NODE_IMAGE=genie-local/bookworm:base ;;
  registry) export COMPOSE_FILE="$ROOT/docker-compose.yml"
         export GENIE_APP_IMAGE=genie-coordination GENIE_PYTHON_IMAGE=python:3.11-slim \
           GENIE_NODE_IMAGE=node:20-slim ;;
  *) echo "GENIE_COMPOSE_IMAGES must be local or registry" >&2; exit 2 ;;
esac
# The settings compose insists on, for the commands of this script that start nothing (the tests make their own).
placeholders=(RABBITMQ_PASSWORD=unused POSTGRES_PASSWORD=unused GATEWAY_SECRET=unused)

finish() {
  local status=$?
  if docker info >/dev/null 2>&1; then
    env "${placeholders[@]}" docker-compose down -v --remove-orphans >/dev/null 2>&1 || true
    docker image prune -f >/dev/null 2>&1 || true  # layers left behind by rebuilds
  fi
  if [ -n "$dockerd_pid" ]; then
    say "stopping the dockerd it started (pid $dockerd_pid)"
    kill "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
  fi
  say "$((SECONDS - started)) s in all"
  exit "$status"
}
trap finish EXIT

mkdir -p var
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd (log: var/dockerd.log)"
  setsid dockerd >var/dockerd.log 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -n 20 var/dockerd.log >&2; cannot "dockerd did not start"; }
fi

step=$SECONDS
if [ "${GENIE_COMPOSE_IMAGES:-local}" = local ]; then
  bash deploy/local/base-image.sh
fi
# pip in the build reaches the package index the way this machine's pip does (its default index, with
# the machine's CA bundle; the local wheel folders it also reads are not in the build context).
if [ -s /etc/ssl/certs/ca-certificates.crt ]; then
  cp /etc/ssl/certs/ca-certificates.crt deploy/build-ca/ca-certificates.crt
fi
say "base image: $((SECONDS - step)) s"

# The tests build the services' images themselves (`up -d --build`), from this cache when it is warm.
step=$SECONDS
GENIE_COMPOSE_TESTS=1 "${PYTHON:-.venv/bin/python}" -m pytest -p no:warnings -q -s tests/compose "$@"
say "tests: $((SECONDS - step)) s"
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^genie' | sed 's/^/compose-test: image /'

