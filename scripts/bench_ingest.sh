# The `ingest` mode of scripts/bench.sh (sourced by it; uses its helpers): daily shop metrics
# pushed in batches of 10,000 rows with every field, three ways on the same PostgreSQL database:
#
# - Steward: `ingestShopMetrics` over GraphQL, one batch per call, first as new days (inserts),
#   then the same days again under new idempotency keys (updates). Each batch is validated,
#   written in one transaction, its months' rollups summed again and its answer kept for
#   retries.
# - Direct SQL (psql): the same rows as one `INSERT … ON CONFLICT DO UPDATE` per batch from a
#   JSON document, plus the same rollup refresh, in one transaction. It leaves out what Steward
#   adds around the write (validation with row and field errors, the kept answer for retries,
#   the audit record), so it is a floor for the write itself.
# - PostGraphile 4 with its default mutations: `createShopMetric`, 100 aliased mutations per
#   request. It can only insert (no upsert by natural key, no idempotency, no validation beyond
#   the column types, no rollups), so it runs the insert pass only.
#
#   BENCH_INGEST_SHOPS (5) batches of 10,000 rows, one shop each.

I_SHOPS="${BENCH_INGEST_SHOPS:-5}"

# Writes the three forms of one shop's batch: `rows.json` (GraphQL rows, money as decimals),
# `batch.sql` (direct SQL for shop $3 of agency $2) and `postgraphile-N.json` (100 rows each).
ingest_files() { # directory, agency id, shop id
  python3 - "$@" <<'PY'
import datetime, json, os, sys, uuid
out, agency, shop = sys.argv[1], sys.argv[2], sys.argv[3]
sources = ["SEARCH", "ADS_SEARCH", "ADS_DISPLAY", "AFFILIATE", "PLATFORM_EVENT", "RECOMMENDATION",
           "CONTENT", "LIVESTREAM", "INFLUENCER", "PRIVATE_DOMAIN", "OTHER"]
last = datetime.date.today() - datetime.timedelta(days=2)
rows = []
for i in range(10_000):
    v = 500 + (i * 37) % 900
    orders = v // 27
    rows.append({
        "date": (last - datetime.timedelta(days=i // len(sources))).isoformat(),
        "source": sources[i % len(sources)],
        "visitors": v, "returningVisitors": v // 4, "pageViews": v * 3, "bounces": v // 2,
        "collects": v // 10, "addToCarts": v // 8, "orders": orders, "buyers": v // 30,
        "gmvMinor": orders * 12_900, "refundsMinor": orders * 300,
        "adSpendMinor": (i % 3) * v * 40, "adImpressions": (i % 3) * v * 30,
        "adClicks": (i % 3) * v,
    })
def money(minor):
    return f"{minor // 100}.{minor % 100:02d}"
graphql = [{k.removesuffix("Minor") if k.endswith("Minor") else k: (money(v) if k.endswith("Minor") else v)
            for k, v in row.items()} for row in rows]
json.dump(graphql, open(os.path.join(out, "rows.json"), "w"))
counts = ["visitors", "returning_visitors", "page_views", "bounces", "collects", "add_to_carts",
          "orders", "buyers", "gmv_minor", "refunds_minor", "ad_spend_minor", "ad_impressions",
          "ad_clicks"]
def snake(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name)
sql_rows = json.dumps([{snake(k): v for k, v in row.items()} for row in rows])
columns = ", ".join(counts)
typed = ", ".join(f"{c} bigint" for c in counts)
updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in counts)
sums = ", ".join(f"sum({c})" for c in counts)
with open(os.path.join(out, "batch.sql"), "w") as f:
    f.write(f"""BEGIN;
CREATE TEMP TABLE batch ON COMMIT DROP AS
  SELECT * FROM json_to_recordset($rows${sql_rows}$rows$) AS r(date date, source text, {typed});
INSERT INTO shop_metrics (id, agency_id, shop_id, date, source, {columns}, updated_at)
  SELECT gen_random_uuid(), '{agency}', '{shop}', date, source, {columns}, now() FROM batch
  ON CONFLICT (agency_id, shop_id, date, source) DO UPDATE SET {updates}, updated_at = now();
DELETE FROM shop_metric_months WHERE agency_id = '{agency}' AND shop_id = '{shop}'
  AND month IN (SELECT DISTINCT date_trunc('month', date)::date FROM batch);
INSERT INTO shop_metric_months (agency_id, shop_id, month, source, {columns})
  SELECT agency_id, shop_id, date_trunc('month', date)::date, source, {sums} FROM shop_metrics
  WHERE agency_id = '{agency}' AND shop_id = '{shop}'
    AND date >= (SELECT date_trunc('month', min(date))::date FROM batch)
    AND date <= (SELECT max(date) FROM batch)
  GROUP BY 1, 2, 3, 4;
COMMIT;
""")
def camel(name):
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)
for n in range(0, len(rows), 100):
    fields = []
    for i, row in enumerate(rows[n:n + 100]):
        values = {"id": str(uuid.uuid4()), "agencyId": agency, "shopId": shop,
                  "date": row["date"], "source": row["source"],
                  "updatedAt": datetime.datetime.now(datetime.timezone.utc).isoformat()}
        # PostGraphile takes bigint columns as strings.
        values.update({camel(snake(k)): str(v) for k, v in row.items() if k not in ("date", "source")})
        literal = ", ".join(f"{k}: {json.dumps(v)}" for k, v in values.items())
        fields.append(f"r{i}: createShopMetric(input: {{ shopMetric: {{ {literal} }} }}) {{ clientMutationId }}")
    json.dump({"query": "mutation { " + " ".join(fields) + " }"},
              open(os.path.join(out, f"postgraphile-{n // 100:03d}.json"), "w"))
PY
}

# Seconds since the epoch, with fractions.
now() { date +%s.%N; }
rate() { python3 -c "import sys; n, t = int(sys.argv[1]), float(sys.argv[2]); print(f'{n:,} rows in {t:.1f} s = {int(n / t):,} rows/s')" "$1" "$(python3 -c "print($3 - $2)")"; }

ingest() {
  install_postgraphile
  local db="steward_bench_ingest" db_url token agency s shop_gid
  fresh_steward "$db"
  db_url=$DB_URL token=$TOKEN agency=$AGENCY
  local -a steward_shops sql_shops pg_shops
  for s in $(seq 1 $((I_SHOPS * 2 + 1))); do
    shop_gid=$(gql "$token" '{"query":"mutation($i: CreateShopInput!) { createShop(input: $i) { shop { id } } }","variables":{"i":{"name":"Feed '"$s"'","platform":"TMALL","currencyCode":"CNY","timezone":"Asia/Shanghai"}}}' \
      | field "['data']['createShop']['shop']['id']")
    if [ "$s" -le "$I_SHOPS" ]; then steward_shops+=("$shop_gid")
    elif [ "$s" -le $((I_SHOPS * 2)) ]; then sql_shops+=("$shop_gid")
    else pg_shops+=("$shop_gid"); fi
  done
  local uuid_of='import base64,sys; s=sys.argv[1]; print(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)).decode().split(":")[1])'
  ingest_files "$SCRATCH" "$agency" "$(python3 -c "$uuid_of" "${steward_shops[0]}")"
  echo "one batch: 10,000 rows, $(wc -c <"$SCRATCH/rows.json") bytes of JSON rows; $I_SHOPS batches per pass;" \
    "cores: $(nproc), $(uptime | sed 's/.*load/load/')"

  local pass t0 t1 i answer
  for pass in insert update; do
    for i in "${!steward_shops[@]}"; do
      python3 -c 'import json,sys; print(json.dumps({"query": "mutation($input: IngestShopMetricsInput!) { ingestShopMetrics(input: $input) { inserted updated userErrors { field code } } }", "variables": {"input": {"shopId": sys.argv[1], "idempotencyKey": sys.argv[2], "rows": json.load(open(sys.argv[3]))}}}))' \
        "${steward_shops[$i]}" "bench-$pass-$i" "$SCRATCH/rows.json" >"$SCRATCH/call-$pass-$i.json"
    done
  done
  for pass in insert update; do
    t0=$(now)
    for i in "${!steward_shops[@]}"; do
      answer=$(curl -sS "$BASE" -H 'content-type: application/json' -H "authorization: Bearer $token" --data-binary @"$SCRATCH/call-$pass-$i.json")
      grep -q '"userErrors":\[\]' <<<"$answer" || { echo "ingestion refused: ${answer:0:300}" >&2; exit 1; }
    done
    t1=$(now)
    echo "Steward ingestShopMetrics ($pass): $(rate $((I_SHOPS * 10000)) "$t0" "$t1")"
  done

  local first_shop
  first_shop=$(python3 -c "$uuid_of" "${steward_shops[0]}")
  for i in "${!sql_shops[@]}"; do
    sed "s/$first_shop/$(python3 -c "$uuid_of" "${sql_shops[$i]}")/g" "$SCRATCH/batch.sql" >"$SCRATCH/batch-$i.sql"
  done
  for pass in insert update; do
    t0=$(now)
    for i in "${!sql_shops[@]}"; do
      psql "$db_url" -v ON_ERROR_STOP=1 -qAt -f "$SCRATCH/batch-$i.sql" >/dev/null
    done
    t1=$(now)
    echo "direct SQL, psql ($pass): $(rate $((I_SHOPS * 10000)) "$t0" "$t1") (one psql connection per batch)"
  done

  stop "$SERVER"
  SERVER=""
  # PostGraphile with its default (create/update/delete) mutations, for this comparison only.
  NODE_ENV=production "$CACHE/node_modules/.bin/postgraphile" -c "$db_url" --schema public \
    --host 127.0.0.1 --port "$PG_PORT" --disable-query-log --disable-graphiql \
    --cluster-workers "${BENCH_POSTGRAPHILE_WORKERS:-2}" >"$SCRATCH/postgraphile.log" 2>&1 &
  POSTGRAPHILE=$!
  for _ in $(seq 1 150); do
    curl -fs "$PG_BASE" -H 'content-type: application/json' -d '{"query":"{ __typename }"}' >/dev/null && break
    sleep 0.2
  done
  local pg_shop file
  pg_shop=$(python3 -c "$uuid_of" "${pg_shops[0]}")
  sed -i "s/$first_shop/$pg_shop/g" "$SCRATCH"/postgraphile-*.json
  t0=$(now)
  for file in "$SCRATCH"/postgraphile-*.json; do
    answer=$(curl -sS "$PG_BASE" -H 'content-type: application/json' --data-binary @"$file")
    grep -q '"errors"' <<<"$answer" && { echo "PostGraphile refused: ${answer:0:300}" >&2; exit 1; }
  done
  t1=$(now)
  echo "PostGraphile createShopMetric (insert, 100 per request, one shop): $(rate 10000 "$t0" "$t1")"
  echo "rows written: $(psql "$db_url" -qAt -c 'SELECT count(*) FROM shop_metrics') shop metric rows," \
    "$(psql "$db_url" -qAt -c 'SELECT count(*) FROM shop_metric_months') monthly rollups;" \
    "after the run: $(uptime | sed 's/.*load/load/')"
  stop "$POSTGRAPHILE"
  POSTGRAPHILE=""
  psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
}
