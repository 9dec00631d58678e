#!/bin/sh
# askpw.e2e.askwatch: the kernel's trace, on CLOCK_MONOTONIC ("mono", the
# journal's monotonic clock), records every unlink of an ask file
# (do_unlinkat) and every write of "(withdrawn)" to a serial port
# (uart_write: askpw withdrawing its prompt on ttyS0), to the microsecond;
# then askpw-e2e-askwatch.js (on askpw's own Deno runtime) watches
# /run/systemd/ask-password with inotify. Trouble setting up the trace goes
# to /run/askpw-e2e-ftrace.err; the watcher runs regardless.
T=/sys/kernel/tracing
{
    [ -d "$T/events" ] || mount -t tracefs nodev "$T"
    echo mono > "$T/trace_clock"
    echo 'p:askpw_e2e/unlink do_unlinkat path=+0(+0(%si)):string' >> "$T/kprobe_events"
    echo 'path ~ "*/ask-password/ask.*"' > "$T/events/askpw_e2e/unlink/filter"
    echo 1 > "$T/events/askpw_e2e/unlink/enable"
    echo 'p:askpw_e2e/uart uart_write buf=+0(%si):string' >> "$T/kprobe_events"
    echo 'buf ~ "*(withdrawn)*"' > "$T/events/askpw_e2e/uart/filter"
    echo 1 > "$T/events/askpw_e2e/uart/enable"
    echo 1 > "$T/tracing_on"
} 2>>/run/askpw-e2e-ftrace.err
export DENO_DIR=/run/askpw-e2e-deno HOME=/run/askpw-e2e-deno DENO_NO_UPDATE_CHECK=1
exec /usr/lib/askpw/deno run --quiet --no-config --allow-all /usr/lib/askpw-e2e/askwatch.js
