#!/bin/sh
# deno task bundle: one self-contained JavaScript file, dist/askpw.js, that
# `deno run` executes with no network and no cache.
set -eu
cd "$(dirname "$0")/.."
mkdir -p dist
# The translations (po/*.po) compiled into src/i18n/catalogues.ts, which the bundle carries.
./node_modules/.bin/deno run --quiet --allow-read --allow-write tools/compile_catalogues.ts
./node_modules/.bin/deno bundle --quiet --platform=deno -o dist/askpw.js src/cli/program.ts
echo "bundle: dist/askpw.js ($(wc -c < dist/askpw.js) bytes)"
