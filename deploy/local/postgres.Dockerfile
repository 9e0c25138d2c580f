# PostgreSQL 15 from Debian's packages: the database server of deploy/compose.local.yml, started like the
# official image (POSTGRES_USER/PASSWORD, /docker-entrypoint-initdb.d/*.sql on an empty data directory).
ARG BASE_IMAGE=genie-local/bookworm:base
FROM ${BASE_IMAGE}
RUN mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/50-no-main-cluster.conf \
 && apt-get update && apt-get install -y -qq postgresql-15 >/dev/null && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /run/postgresql /docker-entrypoint-initdb.d \
 && chown postgres:postgres /var/lib/postgresql/data /run/postgresql && chmod 700 /var/lib/postgresql/data
COPY deploy/local/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
USER postgres
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["postgres-entrypoint"]
