#!/usr/bin/env bash
# A reporting script's monthly pull: last month's performance of every shop an API key may see
# (or of the shops named), as JSON on stdout. Needs an API key with the READ scope (and
# READ_FINANCIALS for ad spend and ROAS), curl and python3.
#
#   STEWARD_URL=https://steward.example.com STEWARD_API_KEY=stw_… examples/monthly-report.sh [YYYY-MM] [CURRENCY]
set -euo pipefail

url="${STEWARD_URL:-http://127.0.0.1:8080}/graphql"
key="${STEWARD_API_KEY:?set STEWARD_API_KEY to an API key with the READ scope}"
month="${1:-$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)}"
currency="${2:-CNY}"
from="$month-01"
to=$(date -d "$from +1 month -1 day" +%F)

query='query($from: Date!, $to: Date!, $currency: String) {
  shopPerformance(from: $from, to: $to, currencyCode: $currency, granularity: WEEK) {
    currencyCode
    shops { name platform }
    totals { visitors orders buyers gmv { amount } refunds { amount } conversionRate averageOrderValue { amount } bounceRate visitDepth }
    series { start end visitors orders gmv { amount } }
    change { gmv visitors conversionRate }
    bySource { source current { visitors gmv { amount } } gmvDifference { amount } }
    health { rule value status advice }
    plan { gmvAttainment months { month plannedGmv { amount } actualGmvToDate { amount } attainment } }
    variance { gap { amount } visitorsEffect { amount } conversionEffect { amount } orderValueEffect { amount } }
  }
}'

body=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": {"from": sys.argv[2], "to": sys.argv[3], "currency": sys.argv[4]}}))' \
  "$query" "$from" "$to" "$currency")
answer=$(curl -fsS "$url" -H 'content-type: application/json' -H "authorization: Bearer $key" -d "$body")
# A GraphQL error (a field the key may not read, a bad month) is reported, and the script fails.
python3 -c '
import json, sys
answer = json.loads(sys.argv[1])
for error in answer.get("errors", []):
    print("error:", error.get("extensions", {}).get("code"), error.get("message"), error.get("path"), file=sys.stderr)
json.dump(answer.get("data"), sys.stdout, ensure_ascii=False, indent=2)
print()
sys.exit(1 if answer.get("errors") and not answer.get("data") else 0)
' "$answer"
