#!/usr/bin/env bash
# Make sure RabbitMQ (with its management API) and PostgreSQL are running on
# this machine, starting them if they are installed but stopped.
set -euo pipefail

if ! rabbitmqctl -q status >/dev/null 2>&1; then
  echo "starting RabbitMQ"
  rabbitmq-server -detached
fi
rabbitmqctl -q await_startup --timeout 120 >/dev/null
# Federation: an academy or the national tier is fed by its provinces' brokers (README, "Regional and national reporting").
rabbitmq-plugins -q enable rabbitmq_management rabbitmq_federation rabbitmq_federation_management >/dev/null
for _ in $(seq 1 60); do
  curl -sf -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null && break
  sleep 1
done
curl -sf -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null \
  || { echo "RabbitMQ management API is not answering on :15672" >&2; exit 1; }

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
