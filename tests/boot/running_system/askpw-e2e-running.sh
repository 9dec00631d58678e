#!/bin/sh
# The running-system boot test's findings, one "E2E:" line each, then power off.
echo "E2E: running system reached"
echo "E2E: initrd-release: $([ -e /etc/initrd-release ] && echo yes || echo no)"
echo "E2E: data mounted: $(findmnt -n -o SOURCE /mnt/data || echo no)"
echo "E2E: data marker: $(cat /mnt/data/marker.txt 2>&1)"
for unit in askpw-agent.path askpw-agent.service askpw-fallback.service \
    systemd-ask-password-console.path systemd-ask-password-console.service \
    systemd-ask-password-wall.path systemd-cryptsetup@data.service; do
    echo "E2E: unit $unit: $(systemctl show -P ActiveState "$unit")/$(systemctl show -P Result "$unit")" \
        "condition $(systemctl show -P ConditionResult "$unit")" \
        "file $(systemctl show -P UnitFileState "$unit")"
done
echo "E2E: fallback flag: $([ -e /run/askpw/system-fallback ] && echo yes || echo no)"
# This root's askpw run only (the journal also holds the initrd's).
invocation=$(systemctl show -P InvocationID askpw-agent.service)
journalctl -b -o cat "_SYSTEMD_INVOCATION_ID=$invocation" | sed 's/^/E2E-LOG: /'
echo "E2E: askpw pid: $(systemctl show -P MainPID askpw-agent.service), exe $(readlink /proc/"$(systemctl show -P MainPID askpw-agent.service)"/exe)"
# Every askpw-agent.service of this boot, the initrd's included, with systemd's
# lines about them: how the initrd's ended and when this root's started.
journalctl -b -o short-monotonic -u askpw-agent.service | sed 's/^/E2E-AGENT: /'
# The request written at the switch (tests/boot/dracut/97askpw-gap) and its answer.
echo "E2E: gap answer: $(cat /run/askpw-e2e-gap.answer 2>&1)"
echo "E2E-GAP: $(cat /run/askpw-e2e-gap.state 2>&1)"
journalctl -b -o cat -u askpw-e2e-gap.service | sed 's/^/E2E-GAP: /'
# Monotonic µs: the switch, this root's askpw path unit and agent (READY=1),
# and the data volume's systemd-cryptsetup.
echo "E2E: times: switch-root $(journalctl -b -o short-monotonic | grep -m 1 'Switching root' | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p') s," \
    "path $(systemctl show -P ActiveEnterTimestampMonotonic askpw-agent.path) us," \
    "agent ready $(systemctl show -P ActiveEnterTimestampMonotonic askpw-agent.service) us," \
    "cryptsetup data $(systemctl show -P ExecMainStartTimestampMonotonic systemd-cryptsetup@data.service) us"
echo "RUNNING-OK"
# poweroff.target directly: plain `systemctl poweroff` asks logind over D-Bus first.
systemctl --no-block start poweroff.target --job-mode=replace-irreversibly
