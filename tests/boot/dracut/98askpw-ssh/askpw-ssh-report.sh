#!/bin/sh
# The report's SSH part (98askpw-ssh): E2E-SSH: lines, with askpw.e2e.ssh only.
grep -qw askpw.e2e.ssh /proc/cmdline || exit 0
for unit in systemd-networkd.service systemd-networkd-wait-online.service askpw-ssh-dropbear.service; do
    echo "E2E-SSH: unit $unit: $(systemctl show -P ActiveState "$unit")/$(systemctl show -P Result "$unit")"
done
journalctl -b -o cat -u systemd-networkd.service | sed 's/^/E2E-SSH-NETWORK: /'
journalctl -b -o cat -u askpw-ssh-dropbear.service | sed 's/^/E2E-SSH-LOG: /'
