# syntax=docker/dockerfile:1
# Multi-stage build: compile in the Rust image, run in a slim Debian image as a non-root user.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so that code changes do not rebuild them.
COPY Cargo.toml Cargo.lock ./
COPY api/Cargo.toml api/Cargo.toml
COPY entity/Cargo.toml entity/Cargo.toml
COPY migration/Cargo.toml migration/Cargo.toml
RUN mkdir -p src api/src entity/src migration/src tests/api \
    && echo 'fn main() {}' > src/main.rs \
    && touch api/src/lib.rs entity/src/lib.rs migration/src/lib.rs tests/api/main.rs \
    && cargo build --release --locked --bin steward \
    && rm -rf src api/src entity/src migration/src
COPY . .
# Make sure cargo sees the real sources as newer than the dependency-only build.
RUN touch src/main.rs api/src/lib.rs entity/src/lib.rs migration/src/lib.rs \
    && cargo build --release --locked --bin steward

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/steward --create-home steward
COPY --from=build /src/target/release/steward /usr/local/bin/steward
USER steward
WORKDIR /var/lib/steward
ENV STEWARD_ADDR=0.0.0.0:8080 \
    STEWARD_ENV=production \
    STEWARD_LOG_FORMAT=json \
    DATABASE_URL=sqlite:///var/lib/steward/steward.db?mode=rwc \
    MIMALLOC_ARENA_PURGE_MULT=0
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/steward"]
CMD ["serve"]
