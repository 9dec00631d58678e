#!/bin/sh
# askpw-e2e-askwatch.js on askpw's Deno runtime (askpw.e2e.askwatch).
export DENO_DIR=/run/askpw-e2e-deno HOME=/run/askpw-e2e-deno DENO_NO_UPDATE_CHECK=1
exec /usr/lib/askpw/deno run --quiet --no-config --allow-all /usr/lib/askpw-e2e/askwatch.js
