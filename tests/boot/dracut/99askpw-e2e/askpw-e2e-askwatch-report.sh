#!/bin/sh
# report.d hook for askpw.e2e.askwatch: after a pause (text the test typed
# after the withdrawal has time to reach whoever reads it), the ask files'
# times and askpw's journal on the same monotonic clock (µs since boot).
[ -f /run/askpw-e2e-askwatch ] || exit 0
sleep 3
sed 's/^/E2E-ASKWATCH: /' /run/askpw-e2e-askwatch
journalctl -b -o short-monotonic --no-hostname -u askpw-agent.service | sed 's/^/E2E-ASKWATCH-LOG: /'
