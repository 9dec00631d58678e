#!/bin/sh
# Everything the boot test checks, one "E2E:" line each, then power off.
# First the moment the root is mounted (this unit's start), for the timings:
# what follows takes time of its own.
echo "E2E: root mounted"
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
# Where askpw's runtime came from: the file system mounted at /usr/lib/askpw
# (the module's squashfs or EROFS image), none when it is in the initrd itself.
runtime=none
while read -r _ mountpoint type _; do
    [ "$mountpoint" = /usr/lib/askpw ] && runtime=$type
done < /proc/mounts
echo "E2E: askpw runtime mounted: $runtime"
# What systemd said of askpw's units, also before journald ran (from the
# kernel's log, where such lines carry no unit to select them by).
journalctl -b -o cat | grep -F 'askpw-' | sed 's/^/E2E-SYSTEMD: /'
# Whether askpw starts from a prepared Deno cache here: a start as at boot
# (an empty state directory), with Deno saying what its V8 code cache gave.
if [ -x /usr/bin/askpw ]; then
    hits=$(DENO_LOG=debug ASKPW_STATE_DIRECTORY=/run/askpw-e2e-cache /usr/bin/askpw --version 2>&1 |
        grep -c 'V8 code cache hit for ES module: file:///usr/lib/askpw/askpw.js')
    echo "E2E: askpw code cache hits: $hits"
fi
# When askpw watched (READY=1), and when each systemd-cryptsetup started (µs
# since boot): askpw should be watching before the first request comes.
echo "E2E: askpw started at $(systemctl show -P ExecMainStartTimestampMonotonic askpw-agent.service)"
echo "E2E: askpw ready at $(systemctl show -P ActiveEnterTimestampMonotonic askpw-agent.service)"
# Which units pull askpw in at boot (the encrypted volumes' units, not sysinit.target).
echo "E2E: askpw-agent.service wanted by: $(systemctl show -P WantedBy askpw-agent.service)"
for unit in $(systemctl list-units --all --plain --no-legend 'systemd-cryptsetup@*' | sed 's/ .*//'); do
    echo "E2E: cryptsetup started at $(systemctl show -P ExecMainStartTimestampMonotonic "$unit")"
done
# The requests askpw-e2e-askfiles.sh recorded (askpw.e2e.askfiles), in order,
# and what systemd-cryptsetup said of them.
if [ -f /run/askpw-e2e-askfiles ]; then
    sed 's/^/E2E-ASKFILE: /' /run/askpw-e2e-askfiles
    journalctl -b -o cat -u 'systemd-cryptsetup@*' | sed 's/^/E2E-CRYPTSETUP: /'
fi
# The Varlink client's findings (askpw.e2e.varlink), and how askpw-varlink.service came to run.
if [ -f /run/askpw-e2e-varlink.report ]; then
    sed 's/^/E2E-VARLINK: /' /run/askpw-e2e-varlink.report
    for unit in askpw-varlink.socket askpw-varlink.service askpw-e2e-varlink.service; do
        echo "E2E-VARLINK: unit $unit: $(systemctl show -P ActiveState "$unit")/$(systemctl show -P Result "$unit")"
    done
    echo "E2E-VARLINK: askpw-varlink.service triggered by: $(systemctl show -P TriggeredBy askpw-varlink.service)"
    journalctl -b -o cat -u askpw-varlink.service | sed 's/^/E2E-VARLINK-LOG: /'
fi
# Other test modules' findings (98askpw-ssh), one script each.
for hook in /usr/lib/askpw-e2e/report.d/*; do
    [ -x "$hook" ] && "$hook"
done
echo "UNLOCK-OK"
# poweroff.target directly: plain `systemctl poweroff` tries logind over D-Bus first.
systemctl --no-block start poweroff.target --job-mode=replace-irreversibly
