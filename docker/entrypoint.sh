#!/bin/sh
# Container entrypoint: migrate the database, then serve.
# With arguments, runs them instead (e.g. `docker compose run --rm app alembic current`).
set -eu

if [ "$#" -gt 0 ]; then
  exec "$@"
fi

alembic upgrade head

# The app writes its own structured access log, so uvicorn's is off.
exec uvicorn app.main:app \
  --host 0.0.0.0 \
  --port "${PORT:-8000}" \
  --workers "${WEB_CONCURRENCY:-1}" \
  --loop uvloop \
  --http httptools \
  --no-access-log
