# The `reports` mode of scripts/bench.sh (sourced by it; uses its helpers): daily metrics at
# volume on PostgreSQL, the reports read from them, ingestion throughput, and the same sums
# done directly in SQL (pgbench) and by PostGraphile with @graphile/pg-aggregates.
#
#   BENCH_REPORT_SHOPS (500) shops × BENCH_REPORT_PRODUCTS (100) products each;
#   BENCH_REPORT_DAYS (366) days × BENCH_REPORT_SOURCES (6) traffic sources of shop metrics;
#   BENCH_REPORT_PRODUCT_DAYS (20) days of product metrics for every product.

R_SHOPS="${BENCH_REPORT_SHOPS:-500}"
R_PRODUCTS="${BENCH_REPORT_PRODUCTS:-100}"
R_DAYS="${BENCH_REPORT_DAYS:-366}"
R_SOURCES="${BENCH_REPORT_SOURCES:-6}"
R_PRODUCT_DAYS="${BENCH_REPORT_PRODUCT_DAYS:-20}"

# Shops, products, a year of shop metrics per source, product metrics and monthly targets, all
# ending yesterday; the numbers vary by shop, day and source so that no two buckets are alike.
seed_reports() { # database URL, agency id
  psql "$1" -v ON_ERROR_STOP=1 -q <<SQL
$V7
INSERT INTO shops (id, agency_id, name, platform, currency_code, timezone, external_id, status,
                   version, created_at, updated_at)
SELECT pg_temp.v7(s, 1700000000000), '$2', 'Shop ' || s, 'TMALL', 'CNY', 'Asia/Shanghai',
       NULL, 'ACTIVE', 1, now() - interval '2 years', now()
FROM generate_series(1, $R_SHOPS) AS s;
INSERT INTO products (id, agency_id, shop_id, sku, title, description, images, brand, category,
                      currency_code, price_minor, cost_minor, stock, low_stock_threshold, labels,
                      status, version, created_at, updated_at)
SELECT pg_temp.v7(s * $R_PRODUCTS + p, 1710000000000), '$2', pg_temp.v7(s, 1700000000000),
       'SKU-' || s || '-' || p, 'Product ' || p, NULL, '[]', NULL, NULL, 'CNY', 12900, 5100,
       100, 10, CASE WHEN p = 1 THEN 'HERO' ELSE '' END, 'ACTIVE', 1,
       now() - interval '2 years', now()
FROM generate_series(1, $R_SHOPS) AS s, generate_series(1, $R_PRODUCTS) AS p;
INSERT INTO shop_metrics (id, agency_id, shop_id, date, source, visitors, returning_visitors,
                          page_views, bounces, collects, add_to_carts, orders, buyers, gmv_minor,
                          refunds_minor, ad_spend_minor, ad_impressions, ad_clicks, updated_at)
SELECT pg_temp.v7((s::bigint * 1000 + d) * 16 + k, 1790000000000), '$2',
       pg_temp.v7(s, 1700000000000), current_date - 1 - d,
       (ARRAY['SEARCH','ADS_SEARCH','ADS_DISPLAY','AFFILIATE','RECOMMENDATION','PRIVATE_DOMAIN',
              'CONTENT','LIVESTREAM','INFLUENCER','PLATFORM_EVENT','OTHER'])[k],
       v, v * 3 / 10, v * 3, v * 55 / 100, v / 20, v / 12, v / 27, v / 30, v / 27 * 12900,
       v / 27 * 300, CASE WHEN k IN (2, 3) THEN v * 40 ELSE 0 END,
       CASE WHEN k IN (2, 3) THEN v * 25 ELSE 0 END, CASE WHEN k IN (2, 3) THEN v ELSE 0 END,
       now()
FROM generate_series(1, $R_SHOPS) AS s, generate_series(0, $R_DAYS - 1) AS d,
     generate_series(1, $R_SOURCES) AS k,
     LATERAL (SELECT 500 + (s * 37 + d * 11 + k * 53) % 900 AS v) AS n;
INSERT INTO product_metrics (id, agency_id, shop_id, product_id, date, visitors, collects,
                             add_to_carts, orders, units, gmv_minor, ad_spend_minor, ad_clicks,
                             updated_at)
SELECT pg_temp.v7((s::bigint * $R_PRODUCTS + p) * 2048 + d, 1800000000000), '$2',
       pg_temp.v7(s, 1700000000000), pg_temp.v7(s * $R_PRODUCTS + p, 1710000000000),
       current_date - 1 - d, v, v / 20, v / 12, v / 30, v / 25, v / 30 * 12900, v * 10, v / 10,
       now()
FROM generate_series(1, $R_SHOPS) AS s, generate_series(1, $R_PRODUCTS) AS p,
     generate_series(0, $R_PRODUCT_DAYS - 1) AS d,
     LATERAL (SELECT (s * 7 + p * 13 + d * 5) % 60 AS v) AS n
-- Stored day by day, as the daily feed writes them.
ORDER BY d DESC, s, p;
-- The monthly rollups ingestion keeps (seeded rows bypass ingestion, so they are summed here).
INSERT INTO shop_metric_months (agency_id, shop_id, month, source, visitors, returning_visitors,
                                page_views, bounces, collects, add_to_carts, orders, buyers,
                                gmv_minor, refunds_minor, ad_spend_minor, ad_impressions,
                                ad_clicks)
SELECT agency_id, shop_id, date_trunc('month', date)::date, source, sum(visitors),
       sum(returning_visitors), sum(page_views), sum(bounces), sum(collects), sum(add_to_carts),
       sum(orders), sum(buyers), sum(gmv_minor), sum(refunds_minor), sum(ad_spend_minor),
       sum(ad_impressions), sum(ad_clicks)
FROM shop_metrics GROUP BY 1, 2, 3, 4;
INSERT INTO product_metric_months (agency_id, shop_id, month, product_id, visitors, collects,
                                   add_to_carts, orders, units, gmv_minor, ad_spend_minor,
                                   ad_clicks, last_sold_on, first_date, last_date)
SELECT agency_id, shop_id, date_trunc('month', date)::date, product_id, sum(visitors),
       sum(collects), sum(add_to_carts), sum(orders), sum(units), sum(gmv_minor),
       sum(ad_spend_minor), sum(ad_clicks), max(CASE WHEN orders > 0 THEN date END), min(date),
       max(date)
FROM product_metrics GROUP BY 1, 2, 3, 4;
-- The last sale the product feed keeps on each product.
UPDATE products SET last_sold_on = s.last
FROM (SELECT product_id, max(date) AS last FROM product_metrics WHERE orders > 0 GROUP BY 1) AS s
WHERE products.id = s.product_id;
INSERT INTO shop_monthly_targets (id, agency_id, shop_id, month, gmv_minor, orders, visitors,
                                  updated_at)
SELECT pg_temp.v7(s::bigint * 100 + m, 1810000000000), '$2', pg_temp.v7(s, 1700000000000),
       (date_trunc('month', current_date) - m * interval '1 month')::date, 5000000000, 400000,
       12000000, now()
FROM generate_series(1, $R_SHOPS) AS s, generate_series(0, 12) AS m;
VACUUM ANALYZE;
SQL
}

# One CSV file of a shop's metrics: `rows` rows of days × sources, ending `end` days ago. (A
# GraphQL body is capped at 1 MiB, about 5,000 such rows; 10,000-row loads go through
# POST /import, capped at 4 MiB.)
ingest_csv() { # file, rows, end offset in days
  python3 - "$@" <<'PY'
import datetime, sys
path, rows, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sources = ["SEARCH", "ADS_SEARCH", "ADS_DISPLAY", "AFFILIATE", "PLATFORM_EVENT", "RECOMMENDATION",
           "CONTENT", "LIVESTREAM", "INFLUENCER", "PRIVATE_DOMAIN", "OTHER"]
last = datetime.date.today() - datetime.timedelta(days=end)
with open(path, "w") as out:
    out.write("date,source,visitors,returningVisitors,pageViews,bounces,orders,buyers,gmv\n")
    for i in range(rows):
        day = last - datetime.timedelta(days=i // len(sources))
        v = 500 + (i * 37) % 900
        out.write(f"{day.isoformat()},{sources[i % len(sources)]},{v},{v // 4},{v * 3},{v // 2},{v // 27},{v // 30},{v // 27 * 129}.00\n")
PY
}

install_aggregates() {
  install_postgraphile
  [ -d "$CACHE/node_modules/@graphile/pg-aggregates" ] && [ -d "$CACHE/node_modules/postgraphile-plugin-connection-filter" ] && return
  (cd "$CACHE" && npm install --silent --no-audit --no-fund @graphile/pg-aggregates@0 postgraphile-plugin-connection-filter@2 >/dev/null)
}

start_postgraphile_aggregates() { # database URL
  NODE_ENV=production "$CACHE/node_modules/.bin/postgraphile" -c "$1" --schema public \
    --host 127.0.0.1 --port "$PG_PORT" --disable-default-mutations --simple-collections omit \
    --append-plugins @graphile/pg-aggregates,postgraphile-plugin-connection-filter \
    --disable-query-log --disable-graphiql \
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

# A live mega-sale over the first 50 shops, 10 days in (its days carry the shop metrics
# above): totals, a DAY curve and a SHOP row per shop, a 500-item line-up, 2,000 creators with
# results; and what the morning brief warns about: heroes low on stock in 100 shops, 10,000
# negative reviews of hero items two days old, 1,000 overdue tasks.
seed_brief() { # database URL, agency id, owner's user id
  psql "$1" -v ON_ERROR_STOP=1 -q <<SQL
$V7
CREATE FUNCTION pg_temp.gid(kind text, id uuid) RETURNS text LANGUAGE sql IMMUTABLE AS \$\$
  SELECT rtrim(translate(encode(convert_to(kind || ':' || id::text, 'UTF8'), 'base64'), '+/', '-_'), '=')
\$\$;
INSERT INTO campaigns (id, agency_id, name, kind, status, platform_event, notes, creative_brief,
                       currency_code, timezone, warmup_starts_at, starts_at, ends_at,
                       budget_minor, influencer_budget_minor, mechanics, version, created_at,
                       updated_at)
VALUES (pg_temp.v7(1, 1720000000000), '$2', 'Double 11 bench', 'MEGA_SALE', 'LIVE', NULL, NULL,
        NULL, 'CNY', 'Asia/Shanghai', NULL,
        ((current_date - 10)::timestamp AT TIME ZONE 'Asia/Shanghai'),
        ((current_date + 5)::timestamp AT TIME ZONE 'Asia/Shanghai'),
        100000000, 50000000, '[]', 1, now(), now());
INSERT INTO campaign_shops (campaign_id, shop_id, agency_id)
SELECT pg_temp.v7(1, 1720000000000), pg_temp.v7(s, 1700000000000), '$2'
FROM generate_series(1, 50) AS s;
INSERT INTO campaign_targets (campaign_id, agency_id, gmv_minor, orders, visitors,
                              conversion_basis_points, sell_through_basis_points,
                              category_growth_basis_points, updated_at)
VALUES (pg_temp.v7(1, 1720000000000), '$2', 9000000000000, 9000000, 300000000, 300, 8000, NULL,
        now());
INSERT INTO target_rows (id, agency_id, campaign_id, dimension, key, gmv_minor, orders, owner_id)
SELECT pg_temp.v7(d, 1725000000000), '$2'::uuid, pg_temp.v7(1, 1720000000000), 'DAY',
       (current_date - 10 + d)::text, CASE WHEN d = 0 THEN 3 ELSE 1 END * 400000000000,
       NULL::bigint, NULL::uuid
FROM generate_series(0, 14) AS d
UNION ALL
SELECT pg_temp.v7(100 + s, 1725000000000), '$2'::uuid, pg_temp.v7(1, 1720000000000), 'SHOP',
       pg_temp.gid('Shop', pg_temp.v7(s, 1700000000000)), 180000000000, 180000, '$3'::uuid
FROM generate_series(1, 50) AS s;
INSERT INTO campaign_products (id, agency_id, campaign_id, shop_id, product_id, role,
                               campaign_price_minor, reserved_stock, expected_units,
                               expected_arrival_at, plan_b_product_id, risk_note,
                               campaign_opens_at, price_window_starts_at, created_at)
SELECT pg_temp.v7(s * 10 + p, 1726000000000), '$2', pg_temp.v7(1, 1720000000000),
       pg_temp.v7(s, 1700000000000), pg_temp.v7(s * $R_PRODUCTS + p, 1710000000000),
       CASE p WHEN 1 THEN 'HERO' WHEN 2 THEN 'HOOK' ELSE 'REGULAR' END, 9900, 1000, 500, NULL,
       NULL, NULL, now() - interval '10 days', now() - interval '40 days', now()
FROM generate_series(1, 50) AS s, generate_series(1, 10) AS p;
INSERT INTO influencers (id, agency_id, name, kind, stage, status, categories, tags, contact,
                         notes, currency_code, rate_card, max_followers,
                         growth_30d_basis_points, growth_90d_basis_points, growth_measured_on,
                         version, created_at, updated_at)
SELECT pg_temp.v7(n, 1730000000000), '$2', 'Creator ' || n, 'KOL', 'ACTIVE', 'ACTIVE', '|美妆|',
       '', NULL, NULL, 'CNY', '[]', 100000 + n, NULL, NULL, NULL, 1, now(), now()
FROM generate_series(1, 2000) AS n;
INSERT INTO collaborations (id, agency_id, campaign_id, influencer_id, shop_id, platform,
                            fee_model, fee_minor, commission_basis_points, currency_code,
                            tracking_code, notes, status, result_days, impressions, engagements,
                            clicks, orders, gmv_minor, version, created_at, updated_at)
SELECT pg_temp.v7(n, 1760000000000), '$2', pg_temp.v7(1, 1720000000000),
       pg_temp.v7(n, 1730000000000), pg_temp.v7(n % 50 + 1, 1700000000000), 'DOUYIN',
       'FLAT_PLUS_COMMISSION', 500000, 1000, 'CNY', 'T-' || n, NULL, 'PUBLISHED', 10,
       (10000 + n) * 10, 5000, 2000 + n % 300, (n * 7) % 200, (n * 7) % 200 * 9900, 1, now(), now()
FROM generate_series(1, 2000) AS n;
UPDATE products SET stock = (id::text < '8')::int * 3
WHERE labels = 'HERO' AND shop_id IN (SELECT pg_temp.v7(s, 1700000000000)
                                      FROM generate_series(1, 100) AS s);
INSERT INTO reviews (id, agency_id, shop_id, product_id, external_id, rating, content,
                     reviewed_at, priority, status, reason, reply, contact_log, resolved_at,
                     version, created_at, updated_at)
SELECT pg_temp.v7(s * 20 + r, 1820000000000), '$2', pg_temp.v7(s, 1700000000000),
       pg_temp.v7(s * $R_PRODUCTS + 1, 1710000000000), 'rv-' || s || '-' || r, 1 + r % 3,
       '发货太慢', now() - interval '2 days' - r * interval '1 hour', 0, 'NEW', NULL, NULL, '[]',
       NULL, 1, now(), now()
FROM generate_series(1, $R_SHOPS) AS s, generate_series(1, 20) AS r;
INSERT INTO tasks (id, agency_id, campaign_id, shop_id, assignee_id, title, description, phase,
                   status, due_at, overdue_reason, version, created_at, updated_at)
SELECT pg_temp.v7(n, 1830000000000), '$2', NULL, pg_temp.v7(n % $R_SHOPS + 1, 1700000000000),
       '$3', 'Restock ' || n, NULL, NULL, 'TODO', now() - n * interval '1 minute', NULL, 1,
       now(), now()
FROM generate_series(1, 1000) AS n;
ANALYZE;
SQL
}

reports() {
  install_aggregates
  local db="steward_bench_reports" db_url token agency started
  fresh_steward "$db"
  db_url=$DB_URL token=$TOKEN agency=$AGENCY
  started=$(date +%s)
  seed_reports "$db_url" "$agency"
  seed_brief "$db_url" "$agency" "$(psql "$db_url" -qAt -c "SELECT user_id FROM memberships LIMIT 1")"
  echo "seeded in $(( $(date +%s) - started )) s: $R_SHOPS shops x $R_PRODUCTS products;" \
    "$(psql "$db_url" -qAt -c 'SELECT count(*) FROM shop_metrics') shop metric rows," \
    "$(psql "$db_url" -qAt -c 'SELECT count(*) FROM product_metrics') product metric rows;" \
    "connections: $CONNECTIONS, duration: $DURATION, cores: $(nproc), $(uptime | sed 's/.*load/load/')"
  local yesterday year_ago month_ago one_shop one_gid
  yesterday=$(date -d yesterday +%F)
  year_ago=$(date -d '365 days ago' +%F)
  month_ago=$(date -d '30 days ago' +%F)
  one_shop=$(psql "$db_url" -qAt -c "SELECT id FROM shops ORDER BY id LIMIT 1")
  one_gid=$(python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(("Shop:" + sys.argv[1]).encode()).decode().rstrip("="))' "$one_shop")

  # What a reporting script and a shop manager ask for.
  body "$SCRATCH/year.json" 'query($from: Date!, $to: Date!) { shopPerformance(from: $from, to: $to, granularity: MONTH) { totals { visitors orders gmv { amount } conversionRate averageOrderValue { amount } returnOnAdSpend } series { start visitors gmv { amount } } bySource { source current { gmv { amount } } } change { gmv visitors } } }' "{\"from\": \"$year_ago\", \"to\": \"$yesterday\"}"
  body "$SCRATCH/shop-month.json" 'query($shop: ID!, $from: Date!, $to: Date!) { shopPerformance(shopIds: [$shop], from: $from, to: $to, granularity: DAY) { totals { visitors gmv { amount } bounceRate visitDepth } series { start visitors orders gmv { amount } } bySource { source current { visitors } gmvDifference { amount } } funnel { stage count } health { rule status value } healthByWeek { start checks { status } } sellThrough { rate } grossProfit { grossProfit { amount } } plan { gmvAttainment months { pacing projectedGmv { amount } } } variance { gap { amount } visitorsEffect { amount } conversionEffect { amount } orderValueEffect { amount } } } }' "{\"shop\": \"$one_gid\", \"from\": \"$month_ago\", \"to\": \"$yesterday\"}"
  body "$SCRATCH/brief.json" 'query($day: Date!) { shopPerformance(from: $day, to: $day, granularity: DAY) { totals { visitors orders gmv { amount } conversionRate } change { gmv } } productPerformance(from: $day, to: $day, sort: VISITORS, first: 10) { nodes { product { sku shop { name } } visitors orders gmv { amount } } } slowMovers(days: 30, first: 10) { nodes { sku } } }' "{\"day\": \"$yesterday\"}"
  local campaign_gid
  campaign_gid=$(psql "$db_url" -qAt -c "SELECT rtrim(translate(encode(convert_to('Campaign:' || id::text, 'UTF8'), 'base64'), '+/', '-_'), '=') FROM campaigns ORDER BY id LIMIT 1")
  body "$SCRATCH/dashboard.json" '{ agencyDashboard { shops(first: 20) { nodes { shop { name } date numbers { visitors orders gmv { amount } conversionRate } plan { gmv { amount } } gmvAttainment variance { gap { amount } visitorsEffect { amount } conversionEffect { amount } orderValueEffect { amount } } topTrafficItems(first: 5) { product { sku } visitors } } } alerts(first: 20) { kind severity message shop { name } campaign { name } product { sku } } alertCounts { kind count } } }' '{}'
  body "$SCRATCH/campaign.json" 'query($id: ID!) { campaignReport(campaignId: $id) { through totals { gmv { target { amount } actual { amount } attainment gap { amount } } orders { actual attainment } visitors { actual } conversionRate { target actual } sellThroughRate { target actual } } day: breakdown(dimension: DAY) { key gmv { attainment } } shop: breakdown(dimension: SHOP) { key gmv { attainment gap { amount } } } owner: breakdown(dimension: OWNER) { key actualBasis gmv { actual { amount } } } days { date gmv { attainment } } pacing { status pace projectedGmv { amount } } lineupByRole { role unitsSold sellThrough } lineup(role: HERO) { unitsSold sellThrough } creatorLeague(first: 20) { nodes { influencer { name } results { clicks orders gmv { amount } costPerOrder { amount } roi } } } } }' "{\"id\": \"$campaign_gid\"}"
  body "$SCRATCH/products.json" 'query($from: Date!, $to: Date!) { productPerformance(from: $from, to: $to, first: 20) { nodes { product { sku } units gmv { amount } returnOnAdSpend } } }' "{\"from\": \"$month_ago\", \"to\": \"$yesterday\"}"
  body "$SCRATCH/products-year.json" 'query($from: Date!, $to: Date!) { productPerformance(from: $from, to: $to, first: 20) { totalCount nodes { product { sku } units gmv { amount } lastSoldOn } } shopPerformance(from: $from, to: $to, granularity: MONTH) { sellThrough { rate } grossProfit { grossProfit { amount } } } }' "{\"from\": \"$year_ago\", \"to\": \"$yesterday\"}"
  local q rps p50 p99 bad peak
  echo "| query                          | req/s     | p50      | p99      | statements | non-2xx |"
  echo "|--------------------------------|-----------|----------|----------|------------|---------|"
  for q in year shop-month brief dashboard campaign products products-year; do
    grep -q '"errors"' <<<"$(gql "$token" "$(cat "$SCRATCH/$q.json")")" && { gql "$token" "$(cat "$SCRATCH/$q.json")" >&2; exit 1; }
    read -r rps p50 p99 bad < <(load "$BASE" "$SCRATCH/$q.json" "Bearer $token")
    printf '| %-30s | %9s | %8s | %8s | %10s | %7s |\n' "$q" "$rps" "$p50" "$p99" \
      "$(statements "$token" "$(cat "$SCRATCH/$q.json")")" "$bad"
  done
  # Shop reports are kept per version of the shops' days: what one batch of shop days costs the
  # next asker of the year, and the year under a steady trickle of batches (yesterday's 11
  # sources of one shop, every second, each making the agency-wide year stale).
  ingest_csv "$SCRATCH/trickle.csv" 11 1
  post_trickle() { # idempotency key
    curl -fsS "http://127.0.0.1:$PORT/import/shop-metrics?shopId=$one_gid" -H 'content-type: text/csv' \
      -H "authorization: Bearer $token" -H "idempotency-key: $1" --data-binary @"$SCRATCH/trickle.csv" >/dev/null
  }
  post_trickle trickle-first
  echo "the year after a batch of shop days, alone: $(curl -s -o /dev/null -w '%{time_total}' "$BASE" \
    -H 'content-type: application/json' -H "authorization: Bearer $token" -d @"$SCRATCH/year.json") s;" \
    "again: $(curl -s -o /dev/null -w '%{time_total}' "$BASE" -H 'content-type: application/json' \
    -H "authorization: Bearer $token" -d @"$SCRATCH/year.json") s"
  # A failed batch is counted, not fatal: the row says how many batches went through.
  : >"$SCRATCH/trickled"
  ( set +e; k=0; while :; do
      post_trickle "trickle-$k" && echo "$k" >>"$SCRATCH/trickled"; k=$((k + 1)); sleep 1
    done ) &
  TRICKLER=$!
  read -r rps p50 p99 bad < <(load "$BASE" "$SCRATCH/year.json" "Bearer $token")
  stop "$TRICKLER"
  TRICKLER=""
  printf '| %-30s | %9s | %8s | %8s | %10s | %7s |\n' "year, $(wc -l <"$SCRATCH/trickled") shop batches" "$rps" "$p50" "$p99" "-" "$bad"
  peak=$(rss_kib "$SERVER" VmHWM)
  echo "Steward peak memory: $((peak / 1024)) MiB"

  # Ingestion: 10,000-row CSV files (910 days × 11 sources of one shop each) into shops that
  # have no rows for those days, then the same files again under new keys (all updates).
  local shop_ids n i t0 t1 pass answer
  mapfile -t shop_ids < <(psql "$db_url" -qAt -c "SELECT id FROM shops ORDER BY id DESC LIMIT 5")
  ingest_csv "$SCRATCH/ingest.csv" 10000 "$R_DAYS"
  for pass in insert update; do
    t0=$(date +%s.%N); n=0
    for i in "${!shop_ids[@]}"; do
      answer=$(curl -sS "http://127.0.0.1:$PORT/import/shop-metrics?shopId=$(python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(("Shop:" + sys.argv[1]).encode()).decode().rstrip("="))' "${shop_ids[$i]}")" \
        -H 'content-type: text/csv' -H "authorization: Bearer $token" -H "idempotency-key: bench-$pass-$i" \
        --data-binary @"$SCRATCH/ingest.csv")
      grep -q '"written":true' <<<"$answer" || { echo "ingestion refused: $answer" >&2; exit 1; }
      n=$((n + 10000))
    done
    t1=$(date +%s.%N)
    echo "ingestion ($pass): $n rows in $(python3 -c "print(f'{$t1 - $t0:.1f}')") s = $(python3 -c "print(int($n / ($t1 - $t0)))") rows/s (10,000-row CSV files, one at a time, monthly rollups refreshed)"
  done

  # The same year as direct SQL with pgbench: summing the days (what a report without
  # rollups, or a hand-written query, reads), and Steward's own statements over the rollups
  # (whole months) plus the days at the edges.
  cat >"$SCRATCH/year-days.sql" <<SQL
SELECT date, sum(visitors), sum(returning_visitors), sum(page_views), sum(bounces), sum(collects),
       sum(add_to_carts), sum(orders), sum(buyers), sum(gmv_minor), sum(refunds_minor),
       sum(ad_spend_minor), sum(ad_impressions), sum(ad_clicks)
FROM shop_metrics WHERE agency_id = '$agency'
  AND date BETWEEN '$year_ago'::date - 365 AND '$yesterday' GROUP BY date;
SQL
  cat >"$SCRATCH/year-rollups.sql" <<SQL
SELECT month, sum(visitors), sum(returning_visitors), sum(page_views), sum(bounces), sum(collects),
       sum(add_to_carts), sum(orders), sum(buyers), sum(gmv_minor), sum(refunds_minor),
       sum(ad_spend_minor), sum(ad_impressions), sum(ad_clicks)
FROM shop_metric_months WHERE agency_id = '$agency'
  AND month BETWEEN date_trunc('month', '$year_ago'::date - 364)::date AND date_trunc('month', '$yesterday'::date - 31)::date
GROUP BY month;
SELECT date, sum(visitors), sum(returning_visitors), sum(page_views), sum(bounces), sum(collects),
       sum(add_to_carts), sum(orders), sum(buyers), sum(gmv_minor), sum(refunds_minor),
       sum(ad_spend_minor), sum(ad_impressions), sum(ad_clicks)
FROM shop_metrics WHERE agency_id = '$agency'
  AND (date BETWEEN '$year_ago'::date - 365 AND date_trunc('month', '$year_ago'::date - 364)::date
       OR date >= date_trunc('month', '$yesterday'::date)::date AND date <= '$yesterday')
GROUP BY date;
SQL
  # A year of every product ranked by GMV, one page: summing the days, and summing the product
  # rollups (whole months) plus the days at the edges, as Steward's statement does.
  cat >"$SCRATCH/products-year-days.sql" <<SQL
SELECT product_id, sum(visitors), sum(orders), sum(units), sum(gmv_minor), max(date)
FROM product_metrics WHERE agency_id = '$agency' AND date BETWEEN '$year_ago' AND '$yesterday'
GROUP BY product_id ORDER BY sum(gmv_minor) DESC, product_id DESC LIMIT 21;
SQL
  cat >"$SCRATCH/products-year-rollups.sql" <<SQL
SELECT product_id, sum(visitors), sum(orders), sum(units), sum(gmv_minor), max(last_sold_on)
FROM (SELECT product_id, visitors, orders, units, gmv_minor, last_sold_on FROM product_metric_months
      WHERE agency_id = '$agency' AND month > '$year_ago' AND month < date_trunc('month', '$yesterday'::date)::date
      UNION ALL
      SELECT product_id, visitors, orders, units, gmv_minor, date FROM product_metrics
      WHERE agency_id = '$agency'
        AND (date BETWEEN '$year_ago' AND (date_trunc('month', '$year_ago'::date) + interval '1 month - 1 day')::date
             OR date BETWEEN date_trunc('month', '$yesterday'::date)::date AND '$yesterday')) AS parts
GROUP BY product_id ORDER BY sum(gmv_minor) DESC, product_id DESC LIMIT 21;
SQL
  local q_sql
  for q_sql in year-days year-rollups products-year-days products-year-rollups; do
    echo "direct SQL ($q_sql, pgbench, 2 clients): $(pgbench -n -c 2 -j 2 -T "${DURATION%s}" -f "$SCRATCH/$q_sql.sql" "$db_url" 2>/dev/null | awk '/^tps/ {print $3}') tps"
  done

  # PostGraphile with pg-aggregates: the year's totals and the series by month.
  start_postgraphile_aggregates "$db_url"
  body "$SCRATCH/p-year.json" 'query($from: Date!, $to: Date!) { allShopMetrics(filter: { date: { greaterThanOrEqualTo: $from, lessThanOrEqualTo: $to } }) { aggregates { sum { visitors orders gmvMinor buyers adSpendMinor } } groupedAggregates(groupBy: [DATE]) { keys sum { visitors gmvMinor } } } }' "{\"from\": \"$year_ago\", \"to\": \"$yesterday\"}"
  body "$SCRATCH/s-year.json" 'query($from: Date!, $to: Date!) { shopPerformance(from: $from, to: $to, granularity: MONTH) { totals { visitors orders gmv { amount } buyers adSpend { amount } } series { start visitors gmv { amount } } } }' "{\"from\": \"$year_ago\", \"to\": \"$yesterday\"}"
  local s_visitors p_visitors s_rps s_p50 s_p99 s_bad p_rps p_p50 p_p99 p_bad
  s_visitors=$(gql "$token" "$(cat "$SCRATCH/s-year.json")" | field "['data']['shopPerformance']['totals']['visitors']")
  p_visitors=$(curl -fs "$PG_BASE" -H 'content-type: application/json' -d @"$SCRATCH/p-year.json" | field "['data']['allShopMetrics']['aggregates']['sum']['visitors']")
  [ "$s_visitors" = "$p_visitors" ] || { echo "the year's visitors differ: $s_visitors / $p_visitors" >&2; exit 1; }
  read -r s_rps s_p50 s_p99 s_bad < <(load "$BASE" "$SCRATCH/s-year.json" "Bearer $token")
  read -r p_rps p_p50 p_p99 p_bad < <(load "$PG_BASE" "$SCRATCH/p-year.json" "")
  echo "| year totals + months           | Steward/s | p99      | PostGr./s | p99      | ratio |"
  printf '| %-30s | %9s | %8s | %9s | %8s | %5s |\n' "all shops, one year" "$s_rps" "$s_p99" "$p_rps" "$p_p99" \
    "$(ratio "$s_rps" "$p_rps")"

  # The morning brief's nested part (50 shops, each with its day summed over its traffic
  # sources), matched: Steward, PostGraphile with pg-aggregates, and the same statement in SQL.
  # (The top traffic items are left out: PostGraphile has no shop → product-day relation to
  # rank them per shop in one query.)
  body "$SCRATCH/s-brief.json" 'query($day: Date!) { agencyDashboard(date: $day) { shops(first: 50) { nodes { shop { name } numbers { visitors orders buyers gmv { amount } } } } } }' "{\"day\": \"$yesterday\"}"
  body "$SCRATCH/p-brief.json" 'query($day: Date!) { allShops(first: 50, orderBy: PRIMARY_KEY_ASC) { nodes { id name shopMetricsByShopId(condition: { date: $day }) { aggregates { sum { visitors orders buyers gmvMinor } } } } } }' "{\"day\": \"$yesterday\"}"
  s_visitors=$(gql "$token" "$(cat "$SCRATCH/s-brief.json")" | field "['data']['agencyDashboard']['shops']['nodes'][0]['numbers']['visitors']")
  p_visitors=$(curl -fs "$PG_BASE" -H 'content-type: application/json' -d @"$SCRATCH/p-brief.json" | field "['data']['allShops']['nodes'][0]['shopMetricsByShopId']['aggregates']['sum']['visitors']")
  [ "$s_visitors" = "$p_visitors" ] || { echo "the brief's first shop differs: $s_visitors / $p_visitors" >&2; exit 1; }
  cat >"$SCRATCH/brief.sql" <<SQL
SELECT shop_id, sum(visitors), sum(orders), sum(buyers), sum(gmv_minor) FROM shop_metrics
WHERE agency_id = '$agency' AND date = '$yesterday'
  AND shop_id IN (SELECT id FROM shops WHERE agency_id = '$agency' ORDER BY id LIMIT 50)
GROUP BY shop_id;
SQL
  local sql_tps
  sql_tps=$(pgbench -n -c 2 -j 2 -T "${DURATION%s}" -f "$SCRATCH/brief.sql" "$db_url" 2>/dev/null | awk '/^tps/ {print $3}') || true
  read -r s_rps s_p50 s_p99 s_bad < <(load "$BASE" "$SCRATCH/s-brief.json" "Bearer $token")
  read -r p_rps p_p50 p_p99 p_bad < <(load "$PG_BASE" "$SCRATCH/p-brief.json" "")
  printf '| %-30s | %9s | %8s | %9s | %8s | %5s |\n' "brief: 50 shops' day summed" "$s_rps" "$s_p99" "$p_rps" "$p_p99" \
    "$(ratio "$s_rps" "$p_rps")"
  # The statement alone, from a client that parses nothing and authorizes no one: the floor
  # under any API over it.
  echo "direct SQL (brief, pgbench, 2 clients): $sql_tps tps; Steward / SQL: $(ratio "$s_rps" "$sql_tps")"

  # Every product of the agency ranked over the last 30 days, matched: Steward's first page
  # (the ranking is kept per version of the shops' numbers, so under load this measures the
  # kept ranking; the first ask is timed alone below), and PostGraphile with pg-aggregates,
  # which groups the days by product but cannot order groups by a sum or page them: it answers
  # every product, for the client to rank. Both must agree on the best product's GMV.
  body "$SCRATCH/s-rank.json" 'query($from: Date!, $to: Date!) { productPerformance(from: $from, to: $to, first: 20) { totalCount nodes { product { id } visitors orders units gmv { amount } } } }' "{\"from\": \"$month_ago\", \"to\": \"$yesterday\"}"
  body "$SCRATCH/p-rank.json" 'query($from: Date!, $to: Date!) { allProductMetrics(filter: { date: { greaterThanOrEqualTo: $from, lessThanOrEqualTo: $to } }) { groupedAggregates(groupBy: [PRODUCT_ID]) { keys sum { visitors orders units gmvMinor } } } }' "{\"from\": \"$month_ago\", \"to\": \"$yesterday\"}"
  local s_best p_best first_ask
  first_ask=$(curl -s -o /dev/null -w '%{time_total}' "$BASE" -H 'content-type: application/json' \
    -H "authorization: Bearer $token" -d @"$SCRATCH/s-rank.json")
  echo "30-day ranking of every product, the first ask alone: ${first_ask} s"
  s_best=$(gql "$token" "$(cat "$SCRATCH/s-rank.json")" | field "['data']['productPerformance']['nodes'][0]['gmv']['amount']")
  p_best=$(curl -fs "$PG_BASE" -H 'content-type: application/json' -d @"$SCRATCH/p-rank.json" \
    | python3 -c 'import json,sys; g=json.load(sys.stdin)["data"]["allProductMetrics"]["groupedAggregates"]; print("%.2f" % (max(int(x["sum"]["gmvMinor"]) for x in g) / 100))')
  [ "$s_best" = "$p_best" ] || { echo "the best product's GMV differs: $s_best / $p_best" >&2; exit 1; }
  read -r s_rps s_p50 s_p99 s_bad < <(load "$BASE" "$SCRATCH/s-rank.json" "Bearer $token")
  read -r p_rps p_p50 p_p99 p_bad < <(load "$PG_BASE" "$SCRATCH/p-rank.json" "")
  printf '| %-30s | %9s | %8s | %9s | %8s | %5s |\n' "every product, 30 days ranked" "$s_rps" "$s_p99" "$p_rps" "$p_p99" \
    "$(ratio "$s_rps" "$p_rps")"
  echo "PostGraphile's 30-day ranking alone: $(curl -s -o /dev/null -w '%{time_total}' --max-time 120 "$PG_BASE" \
    -H 'content-type: application/json' -d @"$SCRATCH/p-rank.json") s"
  echo "after the run: $(uptime | sed 's/.*load/load/')"
  stop "$SERVER"
  SERVER=""
  stop "$POSTGRAPHILE"
  POSTGRAPHILE=""
  [ -n "${BENCH_KEEP:-}" ] || psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
}
