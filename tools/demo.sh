#!/bin/sh
# npm start: the main job, end to end. Builds a VM whose initrd carries askpw
# and boots it in this terminal: type the printed passphrase at the prompt.
# --auto types it by itself (CI). --console runs the quick host demo instead:
# the real systemd-ask-password asks, askpw answers on this terminal.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "demo: run as root (QEMU, dracut and mount namespaces)" >&2; exit 1; }
if [ "${1:-}" = --console ]; then
  exec bash "$root/tools/console-demo.sh"
fi
exec "$root/node_modules/.bin/deno" run --allow-all "$root/tools/vm/demo.ts" "$@"
