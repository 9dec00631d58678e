#!/bin/sh
# Installs askpw into DESTDIR with the fixed layout the dracut module and
# mkosi use:
#   /usr/bin/askpw              the command (a small sh launcher)
#   /usr/lib/askpw/askpw        the deno-compile binary, when one was built, or
#   /usr/lib/askpw/deno         the Deno runtime and
#   /usr/lib/askpw/askpw.js     the bundle
# Usage: tools/install.sh DESTDIR   (builds the bundle first when it is missing)
set -eu
dest=${1:?usage: tools/install.sh DESTDIR}
cd "$(dirname "$0")/.."
lib="$dest/usr/lib/askpw"
mkdir -p "$lib" "$dest/usr/bin"
rm -f "$lib/askpw" "$lib/deno" "$lib/askpw.js"
if [ -x dist/askpw-bin ]; then
  install -m 0755 dist/askpw-bin "$lib/askpw"
else
  [ -f dist/askpw.js ] || sh tools/bundle.sh >/dev/null
  install -m 0644 dist/askpw.js "$lib/askpw.js"
  # The real ELF, not npm's JavaScript shim.
  install -m 0755 "$(readlink -f node_modules/.bin/deno)" "$lib/deno"
fi
install -m 0755 tools/askpw-launcher.sh "$dest/usr/bin/askpw"
echo "install: askpw in $dest ($(ls "$lib" | tr '\n' ' '))"
