# One image for every service; its entry point is the `genie` command.
# PYTHON_IMAGE is an image with Python 3.11, or a plain Debian bookworm, where Python comes from its packages
# (deploy/compose.local.yml builds on such a one, and gives it as NODE_IMAGE too).
ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:20-slim

# The dashboard's charting library, from its npm package, unless `make setup` already put it beside the code.
FROM ${NODE_IMAGE} AS charts
COPY scripts/vendor.sh scripts/apt-install.sh /
COPY services/gateway/static/ /static/
RUN mkdir -p /static/vendor \
 && if ! bash /vendor.sh /static/vendor 2>/dev/null; then \
      apt-get update -qq && apt-get install -y -qq openssl >/dev/null && bash /vendor.sh /static/vendor; \
    fi

FROM ${PYTHON_IMAGE} AS runtime
RUN if ! command -v python3 >/dev/null; then \
      apt-get update && apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
 && useradd --uid 10001 --create-home --shell /usr/sbin/nologin genie \
 && mkdir -p /app/var && chown genie:genie /app/var && chmod 700 /app/var
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/genie/bin:$PATH

FROM runtime AS build
# pip reaches the package index as on the machine that builds: where that is through a proxy with a
# certificate authority of its own, its bundle is put in deploy/build-ca/ first (scripts/compose-test.sh
# copies the machine's); it stays in this stage, out of the final image.
COPY deploy/build-ca/ /tmp/build-ca/
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180
COPY pyproject.toml /src/
# The dependencies first, in a layer of their own, so that a change to the code does not download them again.
RUN set -e; \
    if [ -s /tmp/build-ca/ca-certificates.crt ]; then export PIP_CERT=/tmp/build-ca/ca-certificates.crt; fi; \
    python3 -m venv /opt/genie; \
    python3 -c "import tomllib; print('\n'.join(tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies']))" \
      >/tmp/requirements.txt; \
    /opt/genie/bin/pip install -q --upgrade -r /tmp/requirements.txt
COPY . /src/
COPY --from=charts /static/vendor/ /src/services/gateway/static/vendor/
RUN /opt/genie/bin/pip install -q --no-deps --no-build-isolation /src && /opt/genie/bin/genie --help >/dev/null

FROM runtime
COPY --from=build /opt/genie /opt/genie
WORKDIR /app
USER genie
ENTRYPOINT ["genie"]
