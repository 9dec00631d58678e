#!/bin/sh
# report.d hook for askpw.e2e.askwatch: after a pause (text the test typed
# after the withdrawal has time to reach whoever reads it), the ask files'
# times, the kernel's trace and askpw's journal, on the same monotonic clock.
[ -f /run/askpw-e2e-askwatch ] || exit 0
sleep 3
sed 's/^/E2E-ASKWATCH: /' /run/askpw-e2e-askwatch
[ -s /run/askpw-e2e-ftrace.err ] && sed 's/^/E2E-ASKWATCH-FTRACE-ERROR: /' /run/askpw-e2e-ftrace.err
# One line per event: the task (thread name-TID), its time and kind (a
# uart_write's buffer may hold newlines).
grep -aoE '^ *[^ ]+-[0-9]+ +\[[0-9]+\] [^ ]+ +[0-9]+\.[0-9]{6}: (unlink|uart): \([^)]*\)( path="[^"]*")?' \
    /sys/kernel/tracing/trace |
    sed 's/^/E2E-ASKWATCH-TRACE: /'
journalctl -b -o short-monotonic --no-hostname -u askpw-agent.service | sed 's/^/E2E-ASKWATCH-LOG: /'
