#!/bin/sh
# A systemd generator: with askpw.e2e.wrongpidfdid on the kernel command line,
# askpw-agent.service is given $MANAGERPID=1 and $MANAGERPIDFDID=999999999999,
# which is not pid1's pidfs ID: askpw must report the mismatch. (A system
# manager sets neither for a service's main process: systemd.exec(5) of 258+
# has $MANAGERPIDFDID from per-user managers only, $MAINPIDFDID for control
# processes such as ExecReload= only.)
grep -qw askpw.e2e.wrongpidfdid /proc/cmdline || exit 0
mkdir -p "$1/askpw-agent.service.d"
printf '[Service]\nEnvironment=MANAGERPID=1 MANAGERPIDFDID=999999999999\n' \
    >"$1/askpw-agent.service.d/99-askpw-e2e-wrong-pidfdid.conf"
