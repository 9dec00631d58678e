#!/bin/sh
# Returns once the gap question's ask file exists (30 s at most), so that the
# request is pending before the switch to the real root; says what state the
# initrd's askpw units (and any job for them) are in at that moment, in
# /run/askpw-e2e-gap.state (its standard output is the asker's answer file).
checks=0
until grep -qs "Gap question:" /run/systemd/ask-password/ask.*; do
    checks=$((checks + 1))
    [ "$checks" -ge 300 ] && exit 1
    sleep 0.1
done
echo "request written after $checks checks;" \
    "askpw-agent.service $(systemctl show -P ActiveState askpw-agent.service)," \
    "askpw-agent.path $(systemctl show -P ActiveState askpw-agent.path);" \
    "jobs: $(systemctl list-jobs --no-legend | grep -c askpw-agent)" >/run/askpw-e2e-gap.state
