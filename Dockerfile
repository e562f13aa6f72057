# syntax=docker/dockerfile:1
# govflow API image: `docker compose up --build`, or
#   docker build -t govflow . && docker run -p 8000:8000 -e GOVFLOW_... govflow
# Configured only by environment variables: GOVFLOW_* for the application (see README),
# PORT and WEB_CONCURRENCY for the server process.

FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# Dependencies first, in their own layer: a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt

# Then the package itself (no dev extras). README.md is the package's declared readme.
COPY README.md ./
COPY app ./app
RUN pip install --no-deps .


FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# The CJK font official documents (文书) embed: Debian's WenQuanYi Micro Hei.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 govflow \
 && useradd --system --uid 10001 --gid govflow --no-create-home --home-dir /app govflow

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/govflow-entrypoint

USER govflow:govflow

EXPOSE 8000

# Liveness only (no database): /readyz is for the load balancer. Slim has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:${PORT:-8000}/healthz', timeout=4).status != 200)"

ENTRYPOINT ["govflow-entrypoint"]
