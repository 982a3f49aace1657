#!/usr/bin/env bash
# Re-fetches the GraphiQL assets that Steward vendors in api/assets/graphiql/ (and embeds in the
# binary, see api/src/http/graphiql.rs) from the npm registry, at exactly the pinned versions, so
# the committed files can be reproduced byte for byte.
#
#   scripts/update-graphiql.sh           # rewrite the vendored files and SOURCES.txt
#   scripts/update-graphiql.sh --check   # only compare; exit 1 when the committed files differ
#
# To move to another version, change a pin below, run the script, and check the page in a browser
# (scripts/browser-checks.sh). Steward's own files in that folder (index.js, page.css) are not
# touched.
set -euo pipefail
cd "$(dirname "$0")/.."

REACT_VERSION=18.3.1
REACT_DOM_VERSION=18.3.1
# The last 3.x release; it ships a real minified UMD bundle (3.8.x's graphiql.min.js is an
# unminified 3.5 MB webpack build) and accepts React 18 as its peer.
GRAPHIQL_VERSION=3.9.0

DEST=api/assets/graphiql
CHECK=false
case "${1:-}" in
  "") ;;
  --check) CHECK=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v npm >/dev/null || { echo "npm is required" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# `npm pack` downloads the published tarball and checks it against the registry's integrity hash;
# --json reports that hash, which goes into SOURCES.txt.
(cd "$WORK" && npm pack --json --loglevel=error \
  "react@$REACT_VERSION" "react-dom@$REACT_DOM_VERSION" "graphiql@$GRAPHIQL_VERSION" > pack.json)

OUT="$WORK/out"
mkdir -p "$OUT"
unpack() { # tarball, folder
  mkdir -p "$WORK/$2"
  tar -xzf "$WORK/$1" -C "$WORK/$2"
}
unpack "react-$REACT_VERSION.tgz" react
unpack "react-dom-$REACT_DOM_VERSION.tgz" react-dom
unpack "graphiql-$GRAPHIQL_VERSION.tgz" graphiql

# package file -> vendored name. The license files travel with the code they cover.
cp "$WORK/react/package/umd/react.production.min.js" "$OUT/react.production.min.js"
cp "$WORK/react/package/LICENSE" "$OUT/react.LICENSE.txt"
cp "$WORK/react-dom/package/umd/react-dom.production.min.js" "$OUT/react-dom.production.min.js"
cp "$WORK/react-dom/package/LICENSE" "$OUT/react-dom.LICENSE.txt"
cp "$WORK/graphiql/package/graphiql.min.js" "$OUT/graphiql.min.js"
cp "$WORK/graphiql/package/graphiql.min.css" "$OUT/graphiql.min.css"
cp "$WORK/graphiql/package/LICENSE" "$OUT/graphiql.LICENSE.txt"

{
  echo "# Vendored by scripts/update-graphiql.sh from the npm registry; do not edit by hand."
  echo "# package@version  tarball integrity"
  # shellcheck disable=SC2016 # JavaScript, not shell, in single quotes
  node -e '
    const packs = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const p of packs) console.log(`${p.name}@${p.version}  ${p.integrity}`);
  ' "$WORK/pack.json"
  echo "# file  sha256"
  (cd "$OUT" && for f in graphiql.LICENSE.txt graphiql.min.css graphiql.min.js react-dom.LICENSE.txt \
    react-dom.production.min.js react.LICENSE.txt react.production.min.js; do
    printf '%s  %s\n' "$f" "$(sha256sum "$f" | cut -d' ' -f1)"
  done)
} > "$OUT/SOURCES.txt"

if $CHECK; then
  status=0
  for f in "$OUT"/*; do
    name="$(basename "$f")"
    if ! cmp -s "$f" "$DEST/$name"; then
      echo "differs from the pinned npm release: $DEST/$name" >&2
      status=1
    fi
  done
  [ "$status" = 0 ] && echo "vendored GraphiQL assets match react@$REACT_VERSION, react-dom@$REACT_DOM_VERSION, graphiql@$GRAPHIQL_VERSION"
  exit "$status"
fi

mkdir -p "$DEST"
cp "$OUT"/* "$DEST/"
ls -l "$DEST"
