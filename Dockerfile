FROM node:20-slim AS charts
COPY scripts/vendor.sh /vendor.sh
RUN apt-get update -qq && apt-get install -y -qq openssl >/dev/null && bash /vendor.sh /vendor

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY genie ./genie
COPY shared ./shared
COPY services ./services
COPY --from=charts /vendor ./services/gateway/static/vendor
COPY migrations ./migrations
RUN pip install --no-cache-dir .
RUN useradd --create-home genie && mkdir -p /app/var && chown genie /app/var
USER genie
ENTRYPOINT ["genie"]
