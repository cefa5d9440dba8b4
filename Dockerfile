# syntax=docker/dockerfile:1
# scoopwatch container: build the wheels once, install them into a clean slim image.
#
#   docker build -t scoopwatch .
#   docker run -d --name scoopwatch -v scoopwatch-data:/data \
#     -e SCOOPWATCH_SLACK_BOT_TOKEN=xoxb-... -e SCOOPWATCH_SLACK_APP_TOKEN=xapp-... scoopwatch
#
# /data is the working directory: ./scoopwatch.toml there (i.e. /data/scoopwatch.toml) is read
# when it exists, built-in defaults otherwise; the database lives at /data/scoopwatch.db.
# Secrets come from environment variables or files (e.g. Docker secrets under /run/secrets,
# via SCOOPWATCH_SLACK_BOT_TOKEN_FILE=/run/secrets/slack_bot_token); never bake them in.
#
# EXTRAS picks the optional parts: trend charts (matplotlib) by default; add the related-papers
# model with --build-arg EXTRAS=charts,semantic, or build the smallest image with EXTRAS="".

ARG PYTHON_VERSION=3.11
ARG EXTRAS=charts

FROM python:${PYTHON_VERSION}-slim AS builder
ARG EXTRAS
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
# The project wheel plus a wheel of every dependency, so the final stage needs no compiler
# and no network.
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".${EXTRAS:+[$EXTRAS]}"

FROM python:${PYTHON_VERSION}-slim
ARG EXTRAS
LABEL org.opencontainers.image.title="scoopwatch" \
      org.opencontainers.image.description="Slack/Discord bot that flags industry-lab arXiv papers overlapping your lab's topics" \
      org.opencontainers.image.licenses="MIT"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN groupadd --system --gid 10001 scoopwatch \
    && useradd --system --uid 10001 --gid scoopwatch --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin scoopwatch \
    && mkdir /data \
    && chown scoopwatch:scoopwatch /data
# Bind-mount the wheels instead of COPYing them, so they don't stay in a layer.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels "scoopwatch${EXTRAS:+[$EXTRAS]}"

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# Only used with [slack] mode = "http" (Socket Mode and Discord connect outwards).
EXPOSE 3000

# Exits 0 when the database opens and its schema is current.
HEALTHCHECK --interval=1m --timeout=10s --start-period=1m --retries=3 \
    CMD ["scoopwatch", "db", "check", "--db", "/data/scoopwatch.db"]

ENTRYPOINT ["scoopwatch"]
CMD ["run", "--db", "/data/scoopwatch.db"]
