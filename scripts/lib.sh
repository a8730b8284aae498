# Shared by scripts/run and scripts/test: find or install every tool and
# service Nexus needs, quietly when it is already there. Sourced, not run.
#
# Everything comes from the package registries (crates.io, npm, Debian apt);
# nothing is downloaded from anywhere else.

NEXUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$NEXUS_ROOT"

# Pinned tool versions. The wasm-bindgen CLI must equal the crate version in
# Cargo.toml; cargo-leptos 0.3.10 is the newest that builds on rustc 1.95.
CARGO_LEPTOS_VERSION="0.3.10"
WASM_BINDGEN_VERSION="0.2.130"
# The sqlx-cli that checks the committed query data matches the sqlx crate.
SQLX_CLI_VERSION="0.8.6"
# The API fuzz (scripts/fuzz-api); its CLI's check names are pinned with it.
SCHEMATHESIS_VERSION="4.32.5"
NEXUS_VENV="$HOME/.cache/nexus/venv"

# Builds live outside the clone so CI and later runs reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nexus/target}"
export PATH="$NEXUS_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Keep npm to errors: the set-up commands are quiet when all is there.
export npm_config_loglevel=error

PG_HOST_URL="${PG_HOST_URL:-postgres://postgres@127.0.0.1:5432}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command, showing its output only when it fails.
quietly() {
  local log
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    fail "'$*' failed (output above)"
  fi
  rm -f "$log"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
apt_install() {
  command -v apt-get >/dev/null || fail "cannot install $* (no apt-get); install it yourself and re-run"
  say "installing $* from Debian's packages"
  if [ -z "$apt_updated" ]; then
    quietly as_root apt-get update -qq
    apt_updated=1
  fi
  quietly as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

ensure_build_tools() {
  command -v cargo >/dev/null || fail "cargo is missing: install Rust with rustup (https://rustup.rs) and re-run"
  command -v npm >/dev/null || apt_install nodejs npm
  command -v cc >/dev/null || apt_install build-essential
  command -v pkg-config >/dev/null || apt_install pkg-config

  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    quietly rustup target add wasm32-unknown-unknown
  fi
  if [ "$(cargo leptos --version 2>/dev/null)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (once per machine; about 15 minutes on 2 cores)"
    quietly cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once per machine; a few minutes)"
    # Not --locked: its lockfile pins a webpki-roots release that crates.io
    # no longer serves; the fallback resolver picks versions rustc 1.95 builds.
    quietly env CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback \
      cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
  if [ "$(sqlx --version 2>/dev/null)" != "sqlx-cli $SQLX_CLI_VERSION" ]; then
    say "installing sqlx-cli $SQLX_CLI_VERSION for PostgreSQL (once per machine; a few minutes)"
    quietly cargo install sqlx-cli --version "$SQLX_CLI_VERSION" --locked --no-default-features --features postgres
  fi
  if [ ! -x node_modules/.bin/tailwindcss ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing the npm tools (Tailwind, wasm-opt, Playwright, the GraphQL explorer)"
    quietly npm ci --no-audit --no-fund
  fi
}

# schemathesis in its own virtualenv, from PyPI only (not any local wheel
# directory pip may be configured with).
ensure_schemathesis() {
  [ "$("$NEXUS_VENV/bin/st" --version 2>/dev/null)" = "st, version $SCHEMATHESIS_VERSION" ] && return
  command -v python3 >/dev/null || apt_install python3
  python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
  say "installing schemathesis $SCHEMATHESIS_VERSION from PyPI (once per machine; a minute)"
  quietly python3 -m venv --clear "$NEXUS_VENV"
  quietly env -u PIP_FIND_LINKS -u PIP_NO_INDEX "$NEXUS_VENV/bin/pip" install --quiet --disable-pip-version-check \
    --index-url https://pypi.org/simple "schemathesis==$SCHEMATHESIS_VERSION"
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}

ensure_psql() {
  command -v psql >/dev/null || apt_install postgresql-client
}

# A PostgreSQL server: DATABASE_URL's when it answers, else the local one,
# started (or installed) when needed. Sets PG_HOST_URL (no database name).
ensure_postgres() {
  ensure_psql
  if [ -n "${DATABASE_URL:-}" ] && psql "$DATABASE_URL" -qtAc 'SELECT 1' >/dev/null 2>&1; then
    PG_HOST_URL="${DATABASE_URL%/*}"
    return
  fi
  psql "$PG_HOST_URL/postgres" -qtAc 'SELECT 1' >/dev/null 2>&1 && return
  local version hba
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    apt_install postgresql
    # A fresh Debian cluster wants a password over TCP; this throwaway local
    # server trusts the postgres user on loopback, as the tests expect.
    version="$(ls /etc/postgresql | sort -n | tail -n 1)"
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    as_root sed -i "1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust" "$hba"
  fi
  version="$(ls /etc/postgresql | sort -n | tail -n 1)"
  say "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 ||
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload >/dev/null 2>&1 || true
  for _ in $(seq 100); do
    psql "$PG_HOST_URL/postgres" -qtAc 'SELECT 1' >/dev/null 2>&1 && return
    sleep 0.2
  done
  fail "PostgreSQL does not accept $PG_HOST_URL/postgres; set DATABASE_URL to a server that does"
}

# A Redis server: REDIS_URL's when it answers, else 127.0.0.1:6379, started
# (or installed) when needed.
ensure_redis() {
  command -v redis-cli >/dev/null || apt_install redis-server
  if [ -n "${REDIS_URL:-}" ] && redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; then
    return
  fi
  export REDIS_URL="redis://127.0.0.1:6379"
  redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 && return
  say "starting Redis"
  # Capped, evicting only keys with a TTL (cache entries, limiter windows),
  # never the cache's version counters: see "Security" in the README.
  quietly redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --maxmemory 256mb --maxmemory-policy volatile-lru
  for _ in $(seq 50); do
    redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 && return
    sleep 0.1
  done
  fail "Redis did not start on 127.0.0.1:6379"
}

# Creates database $1 on the server when it does not exist.
ensure_database() {
  local name="$1"
  if [ "$(psql "$PG_HOST_URL/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$name'")" != 1 ]; then
    quietly psql "$PG_HOST_URL/postgres" -qc "CREATE DATABASE \"$name\""
  fi
}

# Release build of the server binary, the hydrate wasm and the CSS.
build_release() {
  say "building the release (server, wasm, CSS)"
  # The GraphQL explorer's bundles go into public/ before cargo-leptos copies it.
  quietly scripts/vendor-explorer
  quietly cargo leptos build --release
}

release_binary() {
  echo "$CARGO_TARGET_DIR/release/nexus"
}

# Waits until $1/health answers, or fails after $2 seconds.
wait_for_health() {
  local url="$1" seconds="${2:-60}"
  for _ in $(seq $((seconds * 10))); do
    curl -fs -o /dev/null "$url/health" && return 0
    sleep 0.1
  done
  return 1
}
