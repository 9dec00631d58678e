#!/bin/sh
# A systemd generator: PassPIDFD=yes and AcceptFileDescriptors=no for
# askpw-e2e-varlinkpidfd.socket, as a drop-in, only where this systemd knows
# the two keys (258 and newer); older ones would warn about them (see the
# socket unit). systemctl --version prints "systemd 262 (262.1-1)" first.
version=$(systemctl --version 2>/dev/null | sed -n '1s/^systemd \([0-9][0-9]*\).*/\1/p')
[ -n "$version" ] && [ "$version" -ge 258 ] || exit 0
mkdir -p "$1/askpw-e2e-varlinkpidfd.socket.d"
printf '[Socket]\nPassPIDFD=yes\nAcceptFileDescriptors=no\n' \
    >"$1/askpw-e2e-varlinkpidfd.socket.d/50-askpw-e2e-pidfd.conf"
