#!/bin/sh
# Everything the boot test checks, one "E2E:" line each, then power off.
echo "E2E: mapped: $(ls /dev/mapper | tr '\n' ' ')"
# By the kernel's dm UUIDs (CRYPT-LUKS2-…), whatever names crypttab gave them.
luks=0
for uuid in /sys/block/dm-*/dm/uuid; do
    [ -e "$uuid" ] || continue
    case $(cat "$uuid") in CRYPT-LUKS*) luks=$((luks + 1)) ;; esac
done
echo "E2E: LUKS volumes mapped: $luks"
echo "E2E: root marker: $(cat /sysroot/marker.txt)"
for unit in askpw-agent.service askpw-fallback.service systemd-ask-password-console.service; do
    echo "E2E: unit $unit: $(systemctl show -P ActiveState "$unit")/$(systemctl show -P Result "$unit")"
done
journalctl -b -o cat -u askpw-agent.service | sed 's/^/E2E-LOG: /'
# The requests askpw-e2e-askfiles.sh recorded (askpw.e2e.askfiles), in order,
# and what systemd-cryptsetup said of them.
if [ -f /run/askpw-e2e-askfiles ]; then
    sed 's/^/E2E-ASKFILE: /' /run/askpw-e2e-askfiles
    journalctl -b -o cat -u 'systemd-cryptsetup@*' | sed 's/^/E2E-CRYPTSETUP: /'
fi
echo "UNLOCK-OK"
# poweroff.target directly: plain `systemctl poweroff` tries logind over D-Bus first.
systemctl --no-block start poweroff.target --job-mode=replace-irreversibly
