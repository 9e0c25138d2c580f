#!/bin/sh
# The account the services use comes from the environment; there is no default one.
set -eu
: "${RABBITMQ_DEFAULT_USER:?is required}" "${RABBITMQ_DEFAULT_PASS:?is required}"
umask 077
cat >/etc/rabbitmq/rabbitmq.conf <<CONF
default_user = $RABBITMQ_DEFAULT_USER
default_pass = $RABBITMQ_DEFAULT_PASS
loopback_users = none
CONF
exec rabbitmq-server
