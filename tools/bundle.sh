#!/bin/sh
# deno task bundle: one self-contained JavaScript file, dist/askpw.js, that
# `deno run` executes with no network and no cache.
set -eu
cd "$(dirname "$0")/.."
mkdir -p dist
./node_modules/.bin/deno bundle --quiet --platform=deno -o dist/askpw.js src/cli/program.ts
echo "bundle: dist/askpw.js ($(wc -c < dist/askpw.js) bytes)"
