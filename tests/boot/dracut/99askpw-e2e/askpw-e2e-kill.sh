#!/bin/sh
# Waits for askpw-agent.service to get a main process (Deno takes seconds to
# start on an emulated CPU, long before askpw could prompt), then SIGKILLs it.
while :; do
    pid=$(systemctl show -P MainPID askpw-agent.service)
    [ -n "$pid" ] && [ "$pid" != 0 ] && break
    sleep 0.1
done
kill -9 "$pid" && echo "E2E: killed askpw (PID $pid) before its prompt"
