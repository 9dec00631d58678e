#!/bin/sh
# Installs askpw into DESTDIR with the fixed layout the dracut module and
# mkosi use:
#   /usr/bin/askpw              the command (a small sh launcher)
#   /usr/lib/askpw/askpw        the deno-compile binary, when one was built, or
#   /usr/lib/askpw/deno         the Deno runtime and
#   /usr/lib/askpw/askpw.js     the bundle
# Usage: tools/install.sh [--compiled] DESTDIR
#   default: bundles the checkout afresh and installs it with the Deno runtime;
#   --compiled: installs dist/askpw-bin from `deno task compile` instead.
set -eu
compiled=0
if [ "${1:-}" = --compiled ]; then compiled=1; shift; fi
dest=${1:?usage: tools/install.sh [--compiled] DESTDIR}
case $dest in /*) ;; *) dest=$PWD/$dest ;; esac
cd "$(dirname "$0")/.."
lib="$dest/usr/lib/askpw"
mkdir -p "$lib" "$dest/usr/bin"
rm -f "$lib/askpw" "$lib/deno" "$lib/askpw.js"
if [ "$compiled" = 1 ]; then
  [ -x dist/askpw-bin ] || { echo "install: no dist/askpw-bin: run deno task compile" >&2; exit 1; }
  install -m 0755 dist/askpw-bin "$lib/askpw"
else
  # Always from the current sources: a stale bundle would test old code.
  sh tools/bundle.sh >/dev/null
  install -m 0644 dist/askpw.js "$lib/askpw.js"
  # The real ELF, not npm's JavaScript shim.
  install -m 0755 "$(readlink -f node_modules/.bin/deno)" "$lib/deno"
fi
install -m 0755 tools/askpw-launcher.sh "$dest/usr/bin/askpw"
echo "install: askpw in $dest ($(ls "$lib" | tr '\n' ' '))"
