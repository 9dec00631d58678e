#!/bin/sh
# Prints one line once askpw.e2e.pending=N password requests are pending at
# the same time, so that the boot test types only when every asker waits: the
# number pending when the passphrase arrives then never depends on how fast
# the disks appeared.
want=
for arg in $(cat /proc/cmdline); do
    case $arg in askpw.e2e.pending=*) want=${arg#*=} ;; esac
done
[ -n "$want" ] || exit 0
while :; do
    set -- /run/systemd/ask-password/ask.*
    [ -e "$1" ] && [ $# -ge "$want" ] && break
    sleep 0.1
done
echo "E2E: $# password requests pending"
