#!/bin/sh
# /usr/bin/askpw: runs the compiled askpw, or the Deno runtime with the bundle.
# Deno keeps a cache in $DENO_DIR and $HOME: both point into /run, so askpw
# writes nothing outside /run (the initrd's root may be read-only).
state=${ASKPW_STATE_DIRECTORY:-/run/askpw}
export DENO_DIR="$state/deno" HOME="$state" DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1
# /usr/lib/askpw next to /usr/bin/askpw (also right inside a staging tree);
# no dirname(1): the initrd may not have it.
case $0 in
  */*) bin=${0%/*} ;;
  *) bin=$(command -v -- "$0") && bin=${bin%/*} ;;
esac
# Not canonicalised ($(cd … && pwd) would cost a fork at every start): Deno
# resolves the "..".
lib=$bin/../lib/askpw
# In an initrd whose runtime is an image (the dracut module's askpw_runtime),
# a caller may come before usr-lib-askpw.mount has mounted it: wait for it.
if [ ! -x "$lib/askpw" ] && [ ! -x "$lib/deno" ] &&
  { [ -e "$lib.squashfs" ] || [ -e "$lib.erofs" ]; }; then
  systemctl start usr-lib-askpw.mount >/dev/null 2>&1 || :
fi
if [ -x "$lib/askpw" ]; then
  exec "$lib/askpw" "$@"
fi
# The dracut module (and the mkosi build) ran askpw once while building the
# initrd, leaving Deno's cache for the bundle in $lib/cache: its analysis of
# askpw.js and V8's compiled code of it, so that the start at boot need not
# parse and compile the bundle afresh. The first start copies it to $DENO_DIR:
# Deno writes to its cache, and in the initrd its files may be hard links
# (dracut links identical files together).
if [ -d "$lib/cache" ] && [ ! -d "$DENO_DIR" ]; then
  mkdir -p "$DENO_DIR" && cp -r "$lib/cache/." "$DENO_DIR/" || :
fi
# A 1 MB young generation: askpw allocates little, and a flood of hostile ask
# files must not leave V8's heap grown for good.
exec "$lib/deno" run --quiet --no-config --no-lock --no-remote --no-npm \
  --v8-flags=--max-semi-space-size=1 \
  --allow-ffi --allow-read --allow-write --allow-env "$lib/askpw.js" "$@"
