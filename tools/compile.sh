#!/bin/sh
# deno task compile: the single executable dist/askpw-bin, with exactly the
# permissions askpw needs. deno compile needs the `denort` runtime: it takes
# $DENORT_BIN or Deno's cache, else downloads it; offline that fails, and we
# say so in one line and name the way on.
set -eu
cd "$(dirname "$0")/.."
mkdir -p dist
log=$(mktemp)
if ./node_modules/.bin/deno compile --quiet --no-check --allow-ffi --allow-read --allow-write \
  --allow-env --v8-flags=--max-semi-space-size=1 -o dist/askpw-bin src/cli/program.ts >"$log" 2>&1; then
  rm -f "$log"
  echo "compile: dist/askpw-bin ($(wc -c < dist/askpw-bin) bytes)"
  exit 0
fi
echo "compile: deno compile could not get the denort runtime (offline? set DENORT_BIN=/path/to/denort); use the runtime+bundle layout instead: deno task bundle, then tools/install.sh" >&2
[ -n "${ASKPW_DEBUG:-}" ] && cat "$log" >&2
rm -f "$log"
exit 1
