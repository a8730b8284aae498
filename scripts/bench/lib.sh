# Shared by the catalog read benchmarks (scripts/bench/catalog and
# scripts/bench/scale): the release binary, a cached and an uncached
# instance over one database, and one read's line of figures.
# Sourced, not run.

bench_bin="${CARGO_TARGET_DIR:-$HOME/.cache/nexus/target}/release/nexus"
bench_report="$(dirname "${BASH_SOURCE[0]}")/report.lua"
bench_pids=()

# Stops with a sentence when the release binary or a needed tool is missing.
require_release_and() {
  [ -x "$bench_bin" ] ||
    { echo "no release binary at $bench_bin; run scripts/run or cargo leptos build --release first" >&2; exit 1; }
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install -y $tool" >&2; exit 1; }
  done
}

# Starts two instances over $DATABASE_URL, stopped when the script exits:
# on port $1 with Redis (cached), on port $2 with REDIS_URL at a closed port,
# so every request goes to PostgreSQL (uncached). Returns once both answer
# /health, or stops the script after 60 s.
start_cached_and_uncached() {
  trap 'kill "${bench_pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
  NEXUS_ADDR="127.0.0.1:$1" REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}" NEXUS_CACHE_PREFIX="bench-$$" \
    "$bench_bin" serve >/dev/null 2>&1 &
  bench_pids+=($!)
  NEXUS_ADDR="127.0.0.1:$2" REDIS_URL="redis://127.0.0.1:1" "$bench_bin" serve >/dev/null 2>&1 &
  bench_pids+=($!)
  local port waited
  for port in "$1" "$2"; do
    waited=0
    until curl -fs -o /dev/null "http://127.0.0.1:$port/health"; do
      sleep 0.1
      waited=$((waited + 1))
      [ "$waited" -lt 600 ] || { echo "the instance on port $port did not answer /health in 60 s" >&2; exit 1; }
    done
  done
}

# One read: 2 s of warm-up (which fills the cache on the cached instance),
# then wrk for $DURATION at $CONNECTIONS; prints report.lua's line
# (req/s, p50/p95/p99).
measure_read() {
  local url="http://127.0.0.1:$1$2"
  wrk -t2 -c"$connections" -d2s "$url" >/dev/null 2>&1
  wrk -t2 -c"$connections" -d"$duration" -s "$bench_report" "$url" 2>/dev/null | tail -n 1
}
