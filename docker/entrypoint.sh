#!/bin/sh
# Container entrypoint: migrate the database, then serve.
# With arguments, runs them instead (e.g. `docker compose run --rm app alembic current`).
set -eu

if [ "$#" -gt 0 ]; then
  exec "$@"
fi

alembic upgrade head

# The app writes its own structured access log (path only, never the query string), so
# uvicorn's is off. X-Forwarded-For is believed only from FORWARDED_ALLOW_IPS: set it to the
# reverse proxy's address as the container sees it, or login throttling sees the proxy.
exec uvicorn app.main:app \
  --host "${HOST:-0.0.0.0}" \
  --port "${PORT:-8000}" \
  --workers "${WEB_CONCURRENCY:-1}" \
  --loop uvloop \
  --http httptools \
  --proxy-headers \
  --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
  --no-access-log
