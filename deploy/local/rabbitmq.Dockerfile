# RabbitMQ from Debian's packages, with the management and federation plugins: the broker of
# deploy/compose.local.yml, configured like the official image (RABBITMQ_DEFAULT_USER/PASS, logs on stdout).
ARG BASE_IMAGE=genie-local/bookworm:base
FROM ${BASE_IMAGE}
RUN apt-get update && apt-get install -y -qq rabbitmq-server >/dev/null && rm -rf /var/lib/apt/lists/* \
 && echo '[rabbitmq_management,rabbitmq_federation,rabbitmq_federation_management].' >/etc/rabbitmq/enabled_plugins \
 && chown rabbitmq:rabbitmq /etc/rabbitmq
COPY deploy/local/rabbitmq-entrypoint.sh /usr/local/bin/rabbitmq-entrypoint
ENV RABBITMQ_LOGS=- HOME=/var/lib/rabbitmq
USER rabbitmq
EXPOSE 5672 15672
ENTRYPOINT ["rabbitmq-entrypoint"]
