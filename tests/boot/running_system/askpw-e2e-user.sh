#!/bin/sh
# A per-user request on the running system: root's `systemd --user` (started
# here) runs askpw's user agent, enabled for all users by the package's
# preset, when systemd-ask-password --user (systemd 257+) puts a request into
# /run/user/0/systemd/ask-password. First the system's own requests must be
# answered: the system askpw prompts on the same serial console.
checks=0
while ls /run/systemd/ask-password/ask.* >/dev/null 2>&1 && [ "$checks" -lt 1200 ]; do
    checks=$((checks + 1))
    sleep 0.1
done
systemctl start user@0.service
echo "E2E-USER: user@0.service $(systemctl show -P ActiveState user@0.service)"
journalctl -b -o cat -u user-runtime-dir@0.service -u user@0.service | sed 's/^/E2E-USER-MANAGER: /'
ls -ld /run/user /run/user/0 2>&1 | sed 's/^/E2E-USER-MANAGER: /' 
answer=$(XDG_RUNTIME_DIR=/run/user/0 systemd-ask-password --user --timeout=180 "User question:")
echo "E2E-USER: exit status $?, answer $answer"
journalctl -b -o cat _SYSTEMD_USER_UNIT=askpw-agent.service _UID=0 | sed 's/^/E2E-USER-LOG: /'
