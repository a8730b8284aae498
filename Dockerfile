# Multi-stage build: cargo-leptos builds the server, the hydrate wasm and the
# Tailwind CSS; the runtime image holds only the binary, the site and migrations.
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads \
 && CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo install wasm-bindgen-cli --version 0.2.130
WORKDIR /app
COPY package.json package-lock.json ./
RUN PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
ENV PATH="/app/node_modules/.bin:${PATH}" CARGO_TARGET_DIR=/app/target
COPY Cargo.toml Cargo.lock rustfmt.toml ./
# SQLX_OFFLINE=true (set there) builds the checked SQL from crates/core/.sqlx.
COPY .cargo .cargo
COPY crates crates
COPY src src
COPY style style
COPY public public
COPY migrations migrations
COPY scripts/vendor-explorer scripts/vendor-explorer
RUN scripts/vendor-explorer && cargo leptos build --release

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app nexus
WORKDIR /app
COPY --from=build /app/target/release/nexus /app/target/release/hash.txt /app/
COPY --from=build /app/target/site /app/site
ENV NEXUS_ADDR=0.0.0.0:3000 NEXUS_SITE_ROOT=/app/site NEXUS_MEDIA_DIR=/app/media NEXUS_ENV=production
RUN mkdir -p /app/media && chown nexus /app/media
USER nexus
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fs http://127.0.0.1:3000/health || exit 1
ENTRYPOINT ["/app/nexus"]
CMD ["serve"]
