#!/usr/bin/env bash
# Load benchmark of Steward: a release build on a seeded database, measured with wrk from the
# same machine (so client and server share the cores). Prints one line per scenario; the numbers
# go into BENCHMARKS.md with the date and the machine.
#
#   scripts/bench.sh                                   # embedded SQLite
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${BENCH_PORT:-18181}"
DURATION="${BENCH_DURATION:-15s}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
DB_URL="${BENCH_DATABASE_URL:-sqlite://target/bench.db?mode=rwc}"
BASE="http://127.0.0.1:$PORT/graphql"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet --bin steward
rm -f target/bench.db target/bench.db-shm target/bench.db-wal

STEWARD_ADDR="127.0.0.1:$PORT" DATABASE_URL="$DB_URL" STEWARD_RATE_LIMIT_PER_MINUTE=1000000000 \
  STEWARD_JWT_SECRET=bench-secret-that-is-long-enough-0123456789 RUST_LOG=warn \
  target/release/steward serve &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

gql() { # token, JSON body
  curl -fs "$BASE" -H 'content-type: application/json' ${1:+-H "authorization: Bearer $1"} -d "$2"
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }

EMAIL="bench-$(date +%s%N)@example.com"
TOKEN=$(gql "" '{"query":"mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }","variables":{"i":{"email":"'"$EMAIL"'","password":"bench password","displayName":"Bench","agencyName":"Bench Agency"}}}' \
  | field "['data']['signUp']['accessToken']")
for s in $(seq 1 10); do
  SHOP=$(gql "$TOKEN" '{"query":"mutation($i: CreateShopInput!) { createShop(input: $i) { shop { id } } }","variables":{"i":{"name":"Shop '"$s"'","platform":"TMALL","currencyCode":"CNY","timezone":"Asia/Shanghai"}}}' \
    | field "['data']['createShop']['shop']['id']")
  for p in $(seq 1 20); do
    gql "$TOKEN" '{"query":"mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }","variables":{"i":{"shopId":"'"$SHOP"'","sku":"SKU-'"$s-$p"'","title":"Product '"$p"'","price":"39.90","cost":"12.50","stock":100,"lowStockThreshold":10,"labels":["HERO"]}}}' >/dev/null
  done
done

run() { # name, query
  local url
  url="$BASE?query=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$2")"
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "authorization: Bearer $TOKEN" "$url")
  printf '%-28s %10s req/s   p50 %8s   p99 %8s\n' "$1" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" \
    "$(awk '$1=="99%" {print $2}' <<<"$out")"
}

echo "database: ${DB_URL%%\?*}   connections: $CONNECTIONS   duration: $DURATION   cores: $(nproc)"
run "viewer (auth only)" '{ viewer { role } }'
run "products page of 20" '{ products(first: 20) { nodes { sku title stock price { amount currencyCode } } } }'
run "10 shops x 5 products" '{ shops(first: 10) { nodes { name products(first: 5) { nodes { sku stock } } } } }'
run "shop count" "{ shops(first: 1) { totalCount } }"
