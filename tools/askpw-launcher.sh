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
lib=$(cd "$bin/../lib/askpw" && pwd)
if [ -x "$lib/askpw" ]; then
  exec "$lib/askpw" "$@"
fi
# A 1 MB young generation: askpw allocates little, and a flood of hostile ask
# files must not leave V8's heap grown for good.
exec "$lib/deno" run --quiet --no-config --no-lock --no-remote --no-npm \
  --v8-flags=--max-semi-space-size=1 \
  --allow-ffi --allow-read --allow-write --allow-env "$lib/askpw.js" "$@"
