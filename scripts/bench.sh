#!/usr/bin/env bash
# Load benchmark of Steward: a release build on a seeded database, measured with wrk from the
# same machine (so client and server share the cores). Prints one line per scenario; the numbers
# go into BENCHMARKS.md with the date and the machine.
#
#   scripts/bench.sh                                   # embedded SQLite
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench scripts/bench.sh
#   scripts/bench.sh compare                           # Steward against PostGraphile 4
#   scripts/bench.sh influencers                       # the influencer pool and collaborations
#   scripts/bench.sh reports                           # daily metrics, reports and ingestion
#                                                      # (see scripts/bench_reports.sh)
#   scripts/bench.sh ingest                            # 10,000-row metric batches: Steward,
#                                                      # direct SQL and PostGraphile
#                                                      # (see scripts/bench_ingest.sh)
#
# `compare` makes a fresh PostgreSQL database per data shape (500 shops × 100 products, then
# 20 shops × 10,000 products), migrates it with `steward migrate`, signs an owner up through the
# API, seeds the rows in SQL, starts PostGraphile 4 on the same database and runs the same three
# queries against both. Settings (environment):
#   BENCH_PG_URL       server to make the databases on (postgres://postgres@127.0.0.1:5432)
#   BENCH_SHAPES       shapes as SHOPSxPRODUCTS, space-separated ("500x100 20x10000")
#   BENCH_DURATION     per measurement (15s); BENCH_CONNECTIONS (32)
#   STEWARD_WORKERS, STEWARD_DB_MAX_CONNECTIONS   passed through to Steward
#   BENCH_POSTGRAPHILE_WORKERS                    PostGraphile cluster workers (2, one per core)
#   BENCH_BIN          a steward binary built earlier (to compare two builds); default: build one
#   BENCH_INFLUENCERS, BENCH_COLLABORATIONS, BENCH_DAYS   sizes of the `influencers` data set
#   BENCH_KEEP         keep the `influencers` database afterwards (to read query plans)
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${BENCH_PORT:-18181}"
DURATION="${BENCH_DURATION:-15s}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
BASE="http://127.0.0.1:$PORT/graphql"
JWT_SECRET=bench-secret-that-is-long-enough-0123456789

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
STEWARD="${BENCH_BIN:-target/release/steward}"
[ -n "${BENCH_BIN:-}" ] || cargo build --release --quiet --bin steward

SERVER=""
POSTGRAPHILE=""
TRICKLER=""
SCRATCH=$(mktemp -d)
stop() { # pid: stops a server this script started
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
trap 'stop "$TRICKLER"; stop "$SERVER"; stop "$POSTGRAPHILE"; rm -rf "$SCRATCH"' EXIT

# PostgreSQL over loopback without TLS, as PostGraphile's node-postgres connects by default:
# sqlx would otherwise negotiate TLS (sslmode=prefer), and encrypting every row on both sides
# is a cost of the deployment, not of the engine.
plain() { # database URL
  case "$1" in
    postgres*\?*) echo "$1&sslmode=disable" ;;
    postgres*) echo "$1?sslmode=disable" ;;
    *) echo "$1" ;;
  esac
}

start_steward() { # database URL
  # The allocator setting of the Docker image (see README, "Settings"), so memory is measured
  # as deployed.
  STEWARD_ADDR="127.0.0.1:$PORT" DATABASE_URL="$(plain "$1")" STEWARD_RATE_LIMIT_PER_MINUTE=1000000000 \
    STEWARD_ACCESS_TOKEN_TTL_SECS=7200 STEWARD_JWT_SECRET="$JWT_SECRET" RUST_LOG=warn \
    MIMALLOC_ARENA_PURGE_MULT="${MIMALLOC_ARENA_PURGE_MULT:-0}" "$STEWARD" serve &
  SERVER=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && return; sleep 0.2; done
  echo "Steward did not start" >&2
  exit 1
}

gql() { # token, JSON body
  curl -fs "$BASE" -H 'content-type: application/json' ${1:+-H "authorization: Bearer $1"} -d "$2"
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }

sign_up() { # prints the new owner's access token
  local email="bench-$(date +%s%N)@example.com"
  gql "" '{"query":"mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }","variables":{"i":{"email":"'"$email"'","password":"bench password","displayName":"Bench","agencyName":"Bench Agency"}}}' \
    | field "['data']['signUp']['accessToken']"
}

# wrk output → "req/s p50 p99 failures" (failures: non-2xx answers, plus socket errors as
# "+<connect>/<read>/<write>/<timeout>" when there were any)
summary() {
  awk '/Requests\/sec/ {rps=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2}
       /Non-2xx/ {bad=$NF}
       /Socket errors/ {gsub(",", ""); sock="+" $4 "/" $6 "/" $8 "/" $10}
       END {printf "%s %s %s %s\n", rps, p50, p99, (bad==""?0:bad) sock}'
}

# ---------------------------------------------------------------------------------------------
# Steward alone (GET, as a browser or a CDN-cached client would send it).
# ---------------------------------------------------------------------------------------------
single() {
  local db_url="${BENCH_DATABASE_URL:-sqlite://target/bench.db?mode=rwc}"
  rm -f target/bench.db target/bench.db-shm target/bench.db-wal
  start_steward "$db_url"
  local token shop
  token=$(sign_up)
  for s in $(seq 1 10); do
    shop=$(gql "$token" '{"query":"mutation($i: CreateShopInput!) { createShop(input: $i) { shop { id } } }","variables":{"i":{"name":"Shop '"$s"'","platform":"TMALL","currencyCode":"CNY","timezone":"Asia/Shanghai"}}}' \
      | field "['data']['createShop']['shop']['id']")
    for p in $(seq 1 20); do
      gql "$token" '{"query":"mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }","variables":{"i":{"shopId":"'"$shop"'","sku":"SKU-'"$s-$p"'","title":"Product '"$p"'","price":"39.90","cost":"12.50","stock":100,"lowStockThreshold":10,"labels":["HERO"]}}}' >/dev/null
    done
  done
  run() { # name, query
    local url
    url="$BASE?query=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$2")"
    read -r rps p50 p99 bad < <(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency \
      -H "authorization: Bearer $token" "$url" | summary)
    printf '%-28s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "$bad"
  }
  echo "database: ${db_url%%\?*}   connections: $CONNECTIONS   duration: $DURATION   cores: $(nproc)"
  run "viewer (auth only)" '{ viewer { role } }'
  run "products page of 20" '{ products(first: 20) { nodes { sku title stock price { amount currencyCode } } } }'
  run "10 shops x 5 products" '{ shops(first: 10) { nodes { name products(first: 5) { nodes { sku stock } } } } }'
  run "shop count" "{ shops(first: 1) { totalCount } }"
}

# ---------------------------------------------------------------------------------------------
# Steward against PostGraphile 4 on the same PostgreSQL database.
# ---------------------------------------------------------------------------------------------
PG_URL="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}"
PG_PORT="${BENCH_POSTGRAPHILE_PORT:-18182}"
PG_BASE="http://127.0.0.1:$PG_PORT/graphql"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/steward-bench"

# The matched queries: the same rows and columns from both servers. Steward answers as the
# owner (bearer token); PostGraphile anonymously, as the database owner, with no row security.
STEWARD_SHOP='query($id: ID!) { shop(id: $id) { id name platform currencyCode } }'
PG_SHOP='query($id: UUID!) { shopById(id: $id) { id name platform currencyCode } }'
STEWARD_PAGE='{ products(first: 20) { nodes { id sku title stock price { amount currencyCode } } } }'
PG_PAGE='{ allProducts(first: 20, orderBy: PRIMARY_KEY_ASC) { nodes { id sku title stock priceMinor currencyCode } } }'
STEWARD_NESTED='{ shops(first: 10) { nodes { id name products(first: 5) { nodes { id sku stock } } } } }'
PG_NESTED='{ allShops(first: 10, orderBy: PRIMARY_KEY_ASC) { nodes { id name productsByShopId(first: 5, orderBy: PRIMARY_KEY_ASC) { nodes { id sku stock } } } } }'

psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql "$PG_URL/postgres" -v ON_ERROR_STOP=1 -qAt "$@"; }

install_postgraphile() {
  if [ ! -x "$CACHE/node_modules/.bin/postgraphile" ]; then
    mkdir -p "$CACHE"
    (cd "$CACHE" && npm install --silent --no-audit --no-fund postgraphile@4 >/dev/null)
  fi
}

start_postgraphile() { # database URL
  NODE_ENV=production "$CACHE/node_modules/.bin/postgraphile" -c "$1" --schema public \
    --host 127.0.0.1 --port "$PG_PORT" --disable-default-mutations --simple-collections omit \
    --no-setof-functions-contain-nulls --disable-query-log --disable-graphiql \
    --cluster-workers "${BENCH_POSTGRAPHILE_WORKERS:-2}" >"$SCRATCH/postgraphile.log" 2>&1 &
  POSTGRAPHILE=$!
  for _ in $(seq 1 150); do
    curl -fs "$PG_BASE" -H 'content-type: application/json' -d '{"query":"{ __typename }"}' >/dev/null && return
    sleep 0.2
  done
  cat "$SCRATCH/postgraphile.log" >&2
  echo "PostGraphile did not start" >&2
  exit 1
}

# ids shaped like UUIDv7 and rising like the service's own: pg_temp.v7(n, base) for the n-th row.
V7="CREATE FUNCTION pg_temp.v7(n bigint, base bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS \$\$
  SELECT (lpad(to_hex(base + n / 4096), 12, '0') || '7' || lpad(to_hex(n % 4096), 3, '0')
          || '8' || substr(md5(n::text), 1, 15))::uuid
\$\$;"

# Shops and products in SQL, ids UUIDv7-shaped and rising like the service's own; then the index
# PostGraphile needs for `productsByShopId` (Steward's page index leads with agency_id), and the
# statistics and visibility map a long-running database would have.
seed() { # database URL, agency id, shops, products per shop
  psql "$1" -v ON_ERROR_STOP=1 -q <<SQL
$V7
INSERT INTO shops (id, agency_id, name, platform, currency_code, timezone, external_id, status,
                   version, created_at, updated_at)
SELECT pg_temp.v7(s, 1700000000000), '$2', 'Shop ' || s, 'TMALL', 'CNY', 'Asia/Shanghai',
       NULL, 'ACTIVE', 1, now(), now()
FROM generate_series(1, $3) AS s;
INSERT INTO products (id, agency_id, shop_id, sku, title, description, images, brand, category,
                      currency_code, price_minor, cost_minor, stock, low_stock_threshold, labels,
                      status, version, created_at, updated_at)
SELECT pg_temp.v7(s * $4 + p, 1710000000000), '$2', pg_temp.v7(s, 1700000000000),
       'SKU-' || s || '-' || p, 'Product ' || p, NULL, '[]', NULL, NULL, 'CNY', 3990, 1250,
       100, 10, 'HERO', 'ACTIVE', 1, now(), now()
FROM generate_series(1, $3) AS s, generate_series(1, $4) AS p;
CREATE INDEX bench_products_shop_id ON products (shop_id, id);
VACUUM ANALYZE;
SQL
}

# Statements per request: the smallest of three differences of Steward's counter.
statements() { # token, JSON body
  local best="" before after n
  for _ in 1 2 3; do
    before=$(curl -fs "http://127.0.0.1:$PORT/metrics" | awk '$1=="steward_db_statements_total" {print $2}')
    gql "$1" "$2" >/dev/null
    after=$(curl -fs "http://127.0.0.1:$PORT/metrics" | awk '$1=="steward_db_statements_total" {print $2}')
    n=$((after - before))
    if [ -z "$best" ] || [ "$n" -lt "$best" ]; then best=$n; fi
  done
  echo "$best"
}

# Steward's req/s over PostGraphile's; wrk gives up on a request after 2 s, so PostGraphile may
# answer none in time.
ratio() { # Steward req/s, PostGraphile req/s
  python3 -c 'import sys; p = float(sys.argv[2]); print(f"{float(sys.argv[1]) / p:.2f}" if p > 0 else "none in 2 s")' "$1" "$2"
}

rss_kib() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status"; } # pid, VmRSS|VmHWM

# wrk with a POST body; prints "req/s p50 p99 non-2xx".
load() { # url, JSON body file, authorization header value or ""
  cat >"$SCRATCH/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BENCH_BODY"), "r"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("BENCH_AUTH")
if auth ~= nil and auth ~= "" then wrk.headers["Authorization"] = auth end
LUA
  # A short warm-up first, so that connections, caches and JITs are hot for the measurement.
  BENCH_BODY="$2" BENCH_AUTH="$3" wrk -t2 -c"$CONNECTIONS" -d3s -s "$SCRATCH/post.lua" "$1" >/dev/null
  BENCH_BODY="$2" BENCH_AUTH="$3" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency \
    -s "$SCRATCH/post.lua" "$1" | summary
}

body() { # file, query, variables JSON
  python3 -c 'import json,sys; open(sys.argv[1],"w").write(json.dumps({"query": sys.argv[2], "variables": json.loads(sys.argv[3])}))' "$1" "$2" "$3"
}

# The SKUs of an answer, to check that both servers answer with the same rows.
skus() { python3 -c 'import json,re,sys; print(" ".join(re.findall(r"\"sku\": ?\"([^\"]+)\"", sys.stdin.read())))'; }

compare_shape() { # shops, products per shop
  local shops=$1 per_shop=$2 db="steward_compare_${1}x${2}"
  local db_url="$PG_URL/$db"
  psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  DATABASE_URL="$db_url" RUST_LOG=warn "$STEWARD" migrate
  start_steward "$db_url"
  local token agency first_shop shop_gid
  token=$(sign_up)
  agency=$(psql "$db_url" -qAt -c "SELECT agency_id FROM memberships LIMIT 1")
  seed "$db_url" "$agency" "$shops" "$per_shop"
  first_shop=$(psql "$db_url" -qAt -c "SELECT id FROM shops ORDER BY id LIMIT 1")
  shop_gid=$(python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(("Shop:" + sys.argv[1]).encode()).decode().rstrip("="))' "$first_shop")
  start_postgraphile "$db_url"

  body "$SCRATCH/s-shop.json" "$STEWARD_SHOP" "{\"id\": \"$shop_gid\"}"
  body "$SCRATCH/p-shop.json" "$PG_SHOP" "{\"id\": \"$first_shop\"}"
  body "$SCRATCH/s-page.json" "$STEWARD_PAGE" '{}'
  body "$SCRATCH/p-page.json" "$PG_PAGE" '{}'
  body "$SCRATCH/s-nested.json" "$STEWARD_NESTED" '{}'
  body "$SCRATCH/p-nested.json" "$PG_NESTED" '{}'
  local q s_out p_out
  for q in shop page nested; do
    s_out=$(gql "$token" "$(cat "$SCRATCH/s-$q.json")")
    p_out=$(curl -fs "$PG_BASE" -H 'content-type: application/json' -d @"$SCRATCH/p-$q.json")
    if grep -q '"errors"' <<<"$s_out$p_out" || [ "$(skus <<<"$s_out")" != "$(skus <<<"$p_out")" ]; then
      echo "the answers to '$q' differ:" >&2
      echo "Steward:      ${s_out:0:400}" >&2
      echo "PostGraphile: ${p_out:0:400}" >&2
      exit 1
    fi
  done

  local nested_statements idle_rss
  nested_statements=$(statements "$token" "$(cat "$SCRATCH/s-nested.json")")
  idle_rss=$(rss_kib "$SERVER" VmRSS)
  # The largest resident size seen while Steward is under load.
  (
    peak=0
    while kill -0 "$SERVER" 2>/dev/null; do
      now=$(rss_kib "$SERVER" VmRSS || echo 0)
      [ "${now:-0}" -gt "$peak" ] && { peak=$now; echo "$peak" >"$SCRATCH/peak"; }
      sleep 0.5
    done
  ) &
  local sampler=$!

  local name s_rps s_p50 s_p99 s_bad p_rps p_p50 p_p99 p_bad
  for q in shop page nested; do
    case $q in
      shop) name="one shop by id" ;;
      page) name="page of 20 products" ;;
      nested) name="10 shops x 5 products" ;;
    esac
    read -r s_rps s_p50 s_p99 s_bad < <(load "$BASE" "$SCRATCH/s-$q.json" "Bearer $token")
    read -r p_rps p_p50 p_p99 p_bad < <(load "$PG_BASE" "$SCRATCH/p-$q.json" "")
    printf '| %-10s | %-22s | %9s | %8s | %9s | %8s | %5s |%s\n' "${shops}x${per_shop}" "$name" \
      "$s_rps" "$s_p99" "$p_rps" "$p_p99" \
      "$(ratio "$s_rps" "$p_rps")" \
      "$([ "$s_bad$p_bad" = 00 ] || echo " non-2xx: Steward $s_bad, PostGraphile $p_bad")"
  done
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  echo "  ${shops}x${per_shop}: Steward SQL statements per nested request: $nested_statements;" \
    "RSS idle $((idle_rss / 1024)) MiB, under load $(($(cat "$SCRATCH/peak" 2>/dev/null || echo 0) / 1024)) MiB," \
    "peak (VmHWM) $(($(rss_kib "$SERVER" VmHWM) / 1024)) MiB"
  stop "$SERVER"
  SERVER=""
  stop "$POSTGRAPHILE"
  POSTGRAPHILE=""
  psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
}

compare() {
  install_postgraphile
  echo "Steward vs PostGraphile $(node -e "console.log(require('$CACHE/node_modules/postgraphile/package.json').version)")," \
    "connections: $CONNECTIONS, duration: $DURATION, cores: $(nproc), $(uptime | sed 's/.*load/load/')"
  echo "| shape      | query                  | Steward/s | p99      | PostGr./s | p99      | ratio |"
  echo "|------------|------------------------|-----------|----------|-----------|----------|-------|"
  local shape
  for shape in ${BENCH_SHAPES:-500x100 20x10000}; do
    compare_shape "${shape%x*}" "${shape#*x}"
  done
  echo "after the run: $(uptime | sed 's/.*load/load/')"
}

# ---------------------------------------------------------------------------------------------
# The influencer pool and a campaign's collaborations at volume, on PostgreSQL, with the two
# queries PostGraphile can match run against it too.
# ---------------------------------------------------------------------------------------------
INFLUENCERS="${BENCH_INFLUENCERS:-5000}"
COLLABORATIONS="${BENCH_COLLABORATIONS:-2000}"
DAYS="${BENCH_DAYS:-30}"

# A shop, a live campaign in it, the pool (one account and DAYS follower records each), and
# COLLABORATIONS agreed collaborations in the campaign with two deliverables and DAYS days of
# results each. Followers, growth and tags vary, so filters and sorts select real subsets.
seed_influencers() { # database URL, agency id
  psql "$1" -v ON_ERROR_STOP=1 -q <<SQL
$V7
INSERT INTO shops (id, agency_id, name, platform, currency_code, timezone, external_id, status,
                   version, created_at, updated_at)
VALUES (pg_temp.v7(1, 1700000000000), '$2', 'Tmall flagship', 'TMALL', 'CNY', 'Asia/Shanghai',
        NULL, 'ACTIVE', 1, now(), now());
INSERT INTO campaigns (id, agency_id, name, kind, status, platform_event, notes, creative_brief,
                       currency_code, timezone, warmup_starts_at, starts_at, ends_at,
                       budget_minor, influencer_budget_minor, mechanics, version, created_at,
                       updated_at)
VALUES (pg_temp.v7(1, 1720000000000), '$2', 'Double 11', 'MEGA_SALE', 'LIVE', NULL, NULL, NULL,
        'CNY', 'Asia/Shanghai', NULL, now() - interval '10 days', now() + interval '10 days',
        100000000, 50000000, '[]', 1, now(), now());
INSERT INTO campaign_shops (campaign_id, shop_id, agency_id)
VALUES (pg_temp.v7(1, 1720000000000), pg_temp.v7(1, 1700000000000), '$2');
INSERT INTO influencers (id, agency_id, name, kind, stage, status, categories, tags, contact,
                         notes, currency_code, rate_card, max_followers,
                         growth_30d_basis_points, growth_90d_basis_points, growth_measured_on,
                         version, created_at, updated_at)
SELECT pg_temp.v7(n, 1730000000000), '$2', 'Creator ' || n,
       CASE WHEN n % 4 = 0 THEN 'KOC' ELSE 'KOL' END, 'ACTIVE', 'ACTIVE', '|美妆|',
       CASE n % 5 WHEN 0 THEN '|calm|' WHEN 1 THEN '|bold|' WHEN 2 THEN '|calm|student|'
                  ELSE '|warm|' END,
       'WeChat agent-' || n, NULL, 'CNY', '[{"kind":"POST","fee_minor":300000}]',
       (n * 7919) % 2000000, (n * 31) % 5000 - 1000, (n * 17) % 9000 - 1000, current_date,
       1, now(), now()
FROM generate_series(1, $INFLUENCERS) AS n;
INSERT INTO influencer_accounts (id, agency_id, influencer_id, platform, handle, handle_key,
                                 followers, engagement_basis_points, profile_url, recorded_on,
                                 created_at)
SELECT pg_temp.v7(n, 1740000000000), '$2', pg_temp.v7(n, 1730000000000),
       (ARRAY['XIAOHONGSHU','DOUYIN','WEIBO','BILIBILI','KUAISHOU','WECHAT'])[n % 6 + 1],
       'creator' || n, 'creator' || n, (n * 7919) % 2000000, n % 800, NULL, current_date, now()
FROM generate_series(1, $INFLUENCERS) AS n;
INSERT INTO influencer_stats (id, agency_id, influencer_id, account_id, recorded_on, followers,
                              engagement_basis_points, created_at)
SELECT pg_temp.v7(n * 1000 + d, 1750000000000), '$2', pg_temp.v7(n, 1730000000000),
       pg_temp.v7(n, 1740000000000), current_date - d, (n * 7919) % 2000000 - d * 10, n % 800,
       now()
FROM generate_series(1, $INFLUENCERS) AS n, generate_series(0, $DAYS - 1) AS d;
INSERT INTO collaborations (id, agency_id, campaign_id, influencer_id, shop_id, platform,
                            fee_model, fee_minor, commission_basis_points, currency_code,
                            tracking_code, notes, status, result_days, impressions, engagements,
                            clicks, orders, gmv_minor, version, created_at, updated_at)
SELECT pg_temp.v7(n, 1760000000000), '$2', pg_temp.v7(1, 1720000000000),
       pg_temp.v7(n, 1730000000000), pg_temp.v7(1, 1700000000000),
       (ARRAY['XIAOHONGSHU','DOUYIN','WEIBO','BILIBILI','KUAISHOU','WECHAT'])[n % 6 + 1],
       'FLAT_PLUS_COMMISSION', 500000, 1000, 'CNY', 'T-' || n, NULL, 'AGREED', $DAYS,
       (10000 + n) * $DAYS, 500 * $DAYS, 200 * $DAYS, (n % 20) * $DAYS, (n % 20) * 9900 * $DAYS,
       1, now(), now()
FROM generate_series(1, $COLLABORATIONS) AS n;
INSERT INTO deliverables (id, agency_id, collaboration_id, campaign_id, shop_id, kind, status,
                          due_at, content_url, published_at, script, product_ids, run_of_show,
                          created_at, updated_at)
SELECT pg_temp.v7(n * 2 + k, 1770000000000), '$2', pg_temp.v7(n, 1760000000000),
       pg_temp.v7(1, 1720000000000), pg_temp.v7(1, 1700000000000),
       CASE k WHEN 0 THEN 'POST' ELSE 'VIDEO' END, 'AGREED', now() + (n % 20 - 5) * interval '1 day',
       NULL, NULL, NULL, '[]', '[]', now(), now()
FROM generate_series(1, $COLLABORATIONS) AS n, generate_series(0, 1) AS k;
INSERT INTO collaboration_results (id, agency_id, collaboration_id, campaign_id, shop_id,
                                   influencer_id, date, impressions, engagements, clicks, orders,
                                   gmv_minor, updated_at)
SELECT pg_temp.v7(n * 1000 + d, 1780000000000), '$2', pg_temp.v7(n, 1760000000000),
       pg_temp.v7(1, 1720000000000), pg_temp.v7(1, 1700000000000),
       pg_temp.v7(n, 1730000000000), current_date - d, 10000 + n, 500, 200, n % 20,
       (n % 20) * 9900, now()
FROM generate_series(1, $COLLABORATIONS) AS n, generate_series(0, $DAYS - 1) AS d;
VACUUM ANALYZE;
SQL
}

# A fresh database named $1, migrated, served by Steward, with an owner signed up: sets DB_URL,
# TOKEN and AGENCY for the mode that asked.
fresh_steward() { # database name
  DB_URL="$PG_URL/$1"
  psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
  DATABASE_URL="$DB_URL" RUST_LOG=warn "$STEWARD" migrate
  start_steward "$DB_URL"
  TOKEN=$(sign_up)
  AGENCY=$(psql "$DB_URL" -qAt -c "SELECT agency_id FROM memberships LIMIT 1")
}

influencers() {
  install_postgraphile
  local db="steward_bench_influencers" db_url token agency campaign campaign_gid
  fresh_steward "$db"
  db_url=$DB_URL token=$TOKEN agency=$AGENCY
  seed_influencers "$db_url" "$agency"
  campaign=$(psql "$db_url" -qAt -c "SELECT id FROM campaigns LIMIT 1")
  campaign_gid=$(python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(("Campaign:" + sys.argv[1]).encode()).decode().rstrip("="))' "$campaign")
  start_postgraphile "$db_url"
  echo "pool $INFLUENCERS influencers x $DAYS follower records; one campaign with $COLLABORATIONS" \
    "collaborations x 2 deliverables x $DAYS days of results; connections: $CONNECTIONS," \
    "duration: $DURATION, cores: $(nproc), $(uptime | sed 's/.*load/load/')"

  # Steward alone: what ops run to shortlist and to follow a campaign.
  body "$SCRATCH/shortlist.json" '{ influencers(first: 20, sort: FOLLOWERS, filter: { platform: DOUYIN, tag: "calm", minFollowers: 100000 }) { nodes { id name tier followers growth30Days } } }' '{}'
  body "$SCRATCH/rising.json" '{ influencers(first: 20, sort: GROWTH_30_DAYS, filter: { growingFaster: 0.1 }) { nodes { id name growth30Days accounts { platform handle followers } } } }' '{}'
  body "$SCRATCH/follow.json" 'query($id: ID!) { campaign(id: $id) { influencerBudget { committed { amount } overBudget } collaborations(first: 20) { totalCount nodes { id status influencer { name } results { orders gmv { amount } roi } deliverables { status overdue } } } } }' "{\"id\": \"$campaign_gid\"}"
  local q rps p50 p99 bad
  for q in shortlist rising follow; do
    grep -q '"errors"' <<<"$(gql "$token" "$(cat "$SCRATCH/$q.json")")" && { gql "$token" "$(cat "$SCRATCH/$q.json")" >&2; exit 1; }
    read -r rps p50 p99 bad < <(load "$BASE" "$SCRATCH/$q.json" "Bearer $token")
    printf '| %-40s | %9s | %8s | %8s | statements %s | non-2xx %s |\n' "$q" "$rps" "$p50" "$p99" \
      "$(statements "$token" "$(cat "$SCRATCH/$q.json")")" "$bad"
  done

  # Matched with PostGraphile: the largest creators, and a campaign's collaborations with
  # their influencer and deliverables.
  body "$SCRATCH/s-pool.json" '{ influencers(first: 20, sort: FOLLOWERS) { nodes { id name followers } } }' '{}'
  body "$SCRATCH/p-pool.json" '{ allInfluencers(first: 20, orderBy: [MAX_FOLLOWERS_DESC, PRIMARY_KEY_DESC]) { nodes { id name maxFollowers } } }' '{}'
  body "$SCRATCH/s-collab.json" 'query($id: ID!) { campaign(id: $id) { collaborations(first: 20) { totalCount nodes { id status influencer { name } deliverables { status } } } } }' "{\"id\": \"$campaign_gid\"}"
  body "$SCRATCH/p-collab.json" 'query($id: UUID!) { campaignById(id: $id) { collaborationsByCampaignId(first: 20, orderBy: PRIMARY_KEY_ASC) { totalCount nodes { id status influencerByInfluencerId { name } deliverablesByCollaborationId(orderBy: PRIMARY_KEY_ASC) { nodes { status } } } } } }' "{\"id\": \"$campaign\"}"
  echo "| query                      | Steward/s | p99      | PostGr./s | p99      | ratio |"
  echo "|----------------------------|-----------|----------|-----------|----------|-------|"
  local s_rps s_p50 s_p99 s_bad p_rps p_p50 p_p99 p_bad s_names p_names
  for q in pool collab; do
    s_names=$(gql "$token" "$(cat "$SCRATCH/s-$q.json")" | grep -o 'Creator [0-9]*' | tr '\n' ' ')
    p_names=$(curl -fs "$PG_BASE" -H 'content-type: application/json' -d @"$SCRATCH/p-$q.json" | grep -o 'Creator [0-9]*' | tr '\n' ' ')
    [ -n "$s_names" ] && [ "$s_names" = "$p_names" ] || { echo "the answers to '$q' differ: $s_names / $p_names" >&2; exit 1; }
    read -r s_rps s_p50 s_p99 s_bad < <(load "$BASE" "$SCRATCH/s-$q.json" "Bearer $token")
    read -r p_rps p_p50 p_p99 p_bad < <(load "$PG_BASE" "$SCRATCH/p-$q.json" "")
    printf '| %-26s | %9s | %8s | %9s | %8s | %5s |\n' "$q" "$s_rps" "$s_p99" "$p_rps" "$p_p99" \
      "$(ratio "$s_rps" "$p_rps")"
  done
  echo "after the run: $(uptime | sed 's/.*load/load/')"
  stop "$SERVER"
  SERVER=""
  stop "$POSTGRAPHILE"
  POSTGRAPHILE=""
  # BENCH_KEEP=1 keeps the database, to look at query plans afterwards.
  [ -n "${BENCH_KEEP:-}" ] || psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
}

case "${1:-}" in
  compare) compare ;;
  influencers) influencers ;;
  reports) source scripts/bench_reports.sh; reports ;;
  ingest) source scripts/bench_ingest.sh; ingest ;;
  "") single ;;
  *) echo "usage: scripts/bench.sh [compare|influencers|reports|ingest]" >&2; exit 2 ;;
esac
