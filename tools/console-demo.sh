#!/usr/bin/env bash
# The quick host demo (npm start -- --console): the real systemd-ask-password asks for a disk passphrase, askpw
# prompts on this terminal, and the demo shows what the asker received.
# Runs in a private mount namespace (needs root), so no real agent is touched.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates a private mount namespace)" >&2; exit 1; }
[ -t 0 ] || { echo "demo: needs a terminal to type into" >&2; exit 1; }
mkdir -p /run/systemd/ask-password
exec unshare --mount --propagation private -- env ROOT="$root" bash -c '
  set -euo pipefail
  mount -t tmpfs -o mode=0755 askpw-demo /run/systemd/ask-password
  answer=$(mktemp)
  echo "demo: systemd-ask-password asks (as systemd-cryptsetup would); askpw answers on this terminal."
  echo "demo: type any passphrase, Enter to submit (TAB hides the bullets, Ctrl-D skips, Ctrl-C aborts)."
  systemd-ask-password --no-tty --timeout=300 --id=cryptsetup:/dev/demo --icon=drive-harddisk \
    "Please enter passphrase for disk demo-disk:" > "$answer" &
  asker=$!
  until ls /run/systemd/ask-password/ask.* >/dev/null 2>&1; do sleep 0.05; done
  "$ROOT/node_modules/.bin/deno" run --allow-ffi --allow-read --allow-write --allow-env "$ROOT/src/cli/program.ts" query
  if wait "$asker"; then
    printf "demo: systemd-ask-password received %d bytes: %s\n" "$(tr -d "\n" < "$answer" | wc -c)" "$(cat "$answer")"
  else
    echo "demo: the asker got no answer (skipped or aborted)"
  fi
  rm -f "$answer"
'
