# syntax=docker/dockerfile:1
# govflow API image: `docker compose up --build`, or
#   docker build -t govflow . && docker run -p 127.0.0.1:8000:8000 -v govflow-files:/var/lib/govflow/files -e GOVFLOW_... govflow
# Configured only by environment variables: GOVFLOW_* for the application (see README),
# PORT and WEB_CONCURRENCY for the server process.
# Build behind a package mirror: docker build --build-arg PIP_MIRROR=https://mirror.example/simple .

FROM python:3.11-slim AS build

ARG PIP_MIRROR=""
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# The runtime dependencies from the lock file, hashes checked, in their own layer: a code
# change does not reinstall them, and two builds of one commit install the same versions.
COPY requirements.lock ./
RUN pip install ${PIP_MIRROR:+--index-url "$PIP_MIRROR"} --require-hashes --no-deps -r requirements.lock

# Then the package itself (no dev extras). README.md is the package's declared readme.
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install ${PIP_MIRROR:+--index-url "$PIP_MIRROR"} --no-deps .


FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GOVFLOW_STORAGE_PATH=/var/lib/govflow/files

# The CJK font official documents (文书) embed: Debian's WenQuanYi Micro Hei. Its version is
# the base image's Debian release's (pinning one would break on the next base image).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*

# A fixed numeric uid/gid, so files on the storage volume keep their owner across rebuilds
# and the host can grant the same id on a bind mount.
RUN groupadd --system --gid 10001 govflow \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /app govflow \
 && mkdir -p /var/lib/govflow/files \
 && chown -R 10001:10001 /var/lib/govflow \
 && chmod 0750 /var/lib/govflow/files

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/govflow-entrypoint

# Attachments and evidence (their hashes are in the audit chain) live on a volume, never in
# the container's own layer, which is gone with the container. Declared after the chown so
# a new named volume starts owned by the app's user.
VOLUME ["/var/lib/govflow/files"]

USER 10001:10001

EXPOSE 8000

# Liveness only (no database): /readyz is for the load balancer. Slim has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', timeout=4).status != 200)"]

ENTRYPOINT ["govflow-entrypoint"]
