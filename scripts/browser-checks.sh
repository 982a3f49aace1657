#!/usr/bin/env bash
# Browser-level checks of a running Steward: GraphiQL in headless Chromium
# (scripts/graphiql-check.mjs) and the graphql-http GraphQL-over-HTTP audit
# (scripts/graphql-http-audit.mjs).
#
#   scripts/browser-checks.sh
#
# Non-interactive (fit for CI=true with no stdin). It installs Debian's Chromium when it is missing,
# installs the pinned npm tools into STEWARD_TOOLS_DIR (default ~/.cache/steward-tools, outside the
# repository), starts target/debug/steward (built with `cargo build -p steward` only if missing;
# STEWARD_BIN overrides the path) on a free port with a throw-away SQLite database, runs both
# scripts against it and always stops it. Ends with `browser-checks: N passed, M failed`; exits 1
# when anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned tools; the three have no dependencies of their own, so the pins are the whole tree.
PLAYWRIGHT_CORE_VERSION=1.65.1
GRAPHQL_HTTP_VERSION=1.23.1
GRAPHQL_VERSION=16.15.0 # graphql-http's peer

TOOLS_DIR="${STEWARD_TOOLS_DIR:-$HOME/.cache/steward-tools}"
export STEWARD_TOOLS_DIR="$TOOLS_DIR"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
STEWARD_BIN="${STEWARD_BIN:-${CARGO_TARGET_DIR:-target}/debug/steward}"
STARTED=$SECONDS

step() { printf '\n== %s\n' "$*"; }

step "tools"
if ! command -v node >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  echo "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
if [ ! -x "$CHROMIUM_PATH" ]; then
  echo "installing Chromium from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
"$CHROMIUM_PATH" --version 2>/dev/null | head -n 1

WANTED="playwright-core@$PLAYWRIGHT_CORE_VERSION graphql-http@$GRAPHQL_HTTP_VERSION graphql@$GRAPHQL_VERSION"
if [ "$(cat "$TOOLS_DIR/.installed" 2>/dev/null)" != "$WANTED" ] || [ ! -d "$TOOLS_DIR/node_modules" ]; then
  echo "installing $WANTED into $TOOLS_DIR"
  mkdir -p "$TOOLS_DIR"
  cat > "$TOOLS_DIR/package.json" <<EOF
{
  "name": "steward-tools",
  "private": true,
  "description": "npm tools of Steward's scripts/browser-checks.sh; not part of the repository",
  "dependencies": {
    "playwright-core": "$PLAYWRIGHT_CORE_VERSION",
    "graphql-http": "$GRAPHQL_HTTP_VERSION",
    "graphql": "$GRAPHQL_VERSION"
  }
}
EOF
  rm -f "$TOOLS_DIR/.installed"
  (cd "$TOOLS_DIR" && npm install --no-audit --no-fund --loglevel=error </dev/null)
  echo "$WANTED" > "$TOOLS_DIR/.installed"
fi
echo "$WANTED"

step "server"
if [ ! -x "$STEWARD_BIN" ]; then
  cargo build -p steward
fi
WORK="$(mktemp -d)"
SERVER=""
cleanup() {
  if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
BASE="http://127.0.0.1:$PORT"
# A fresh random 40-character secret; the database is a throw-away file in $WORK.
JWT_SECRET="$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Any STEWARD_* setting of the calling environment (production mode, Redis, introspection off…)
# would change what is checked, so the server gets only the ones set here.
unset_steward=()
while IFS= read -r name; do unset_steward+=(-u "$name"); done < <(compgen -e | grep '^STEWARD_' || true)
env "${unset_steward[@]}" \
  STEWARD_ENV=development \
  STEWARD_ADDR="127.0.0.1:$PORT" \
  DATABASE_URL="sqlite://$WORK/steward.db?mode=rwc" \
  STEWARD_JWT_SECRET="$JWT_SECRET" \
  STEWARD_SHUTDOWN_TIMEOUT_SECS=5 \
  RUST_LOG="${RUST_LOG:-warn}" \
  "$STEWARD_BIN" serve > "$WORK/server.log" 2>&1 </dev/null &
SERVER=$!

ready=false
for _ in $(seq 1 150); do
  if ! kill -0 "$SERVER" 2>/dev/null; then
    break
  fi
  if curl -fs "$BASE/healthz" >/dev/null 2>&1; then
    ready=true
    break
  fi
  sleep 0.2
done
if ! $ready; then
  echo "the server did not answer $BASE/healthz within 30 s; its log:" >&2
  cat "$WORK/server.log" >&2
  exit 1
fi
echo "steward serving on $BASE"

PASSED=0
FAILED=0
run_check() { # name, script
  local out="$WORK/$1.out" status ok bad
  step "$1"
  set +e
  node "$2" "$BASE" </dev/null 2>&1 | tee "$out"
  status=${PIPESTATUS[0]}
  set -e
  ok="$(grep -c '^ok:' "$out" || true)"
  bad="$(grep -cE '^(FAIL|warn|error):' "$out" || true)"
  if [ "$status" != 0 ] && [ "$bad" = 0 ]; then
    bad=1 # it failed without saying which check
  fi
  PASSED=$((PASSED + ok))
  FAILED=$((FAILED + bad))
}
run_check "GraphiQL in Chromium" scripts/graphiql-check.mjs
run_check "graphql-http audit" scripts/graphql-http-audit.mjs

if [ "$FAILED" != 0 ]; then
  printf '\nserver log (last 40 lines):\n' >&2
  tail -n 40 "$WORK/server.log" >&2
fi
printf '\n(took %d s)\n' "$((SECONDS - STARTED))"
echo "browser-checks: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
