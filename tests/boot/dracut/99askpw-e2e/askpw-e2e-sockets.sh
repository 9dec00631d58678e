#!/bin/sh
# tests/helpers/socket_checks.ts, bundled, on the initrd's kernel: one
# "E2E-SOCKETS: key=value" line per finding.
export DENO_DIR=/run/askpw-e2e-deno HOME=/run/askpw-e2e-deno DENO_NO_UPDATE_CHECK=1
/usr/lib/askpw/deno run --quiet --no-config --allow-all /usr/lib/askpw-e2e/socket_checks.js \
    "$(command -v setpriv)" /usr/lib/askpw-e2e/send_datagram.js 2>&1 | sed 's/^SOCKETS: /E2E-SOCKETS: /'
