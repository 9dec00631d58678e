#!/bin/sh
# Loads /etc/vconsole.conf's KEYMAP= into the VTs as systemd-vconsole-setup
# does elsewhere (Debian's systemd has none); says whether it worked.
. /etc/vconsole.conf
out=$(loadkeys -q -C /dev/tty1 "$KEYMAP" 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then
    echo "E2E: loaded keymap $KEYMAP"
else
    echo "E2E: loadkeys $KEYMAP failed: $out"
fi
