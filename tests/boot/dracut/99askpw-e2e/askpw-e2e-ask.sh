#!/bin/sh
# An initrd hook asking a question with askpw ask, whichever agent answers it;
# while it waits, `askpw list --json` shows who asks.
askpw ask --debug --timeout=300 "Hook question:" >/run/askpw-e2e-ask.out 2>/run/askpw-e2e-ask.err &
asker=$!
# Deno starts in seconds on an emulated CPU: wait for the request (2 min at most).
checks=0
until grep -qs "Hook question:" /run/systemd/ask-password/ask.*; do
    checks=$((checks + 1))
    [ "$checks" -ge 1200 ] && break
    sleep 0.1
done
echo "E2E: hook saw its request after $checks checks"
askpw list --json | sed 's/^/E2E-LIST: /'
wait "$asker"
echo "E2E: hook exit status: $?"
echo "E2E: hook answer: $(cat /run/askpw-e2e-ask.out)"
sed 's/^/E2E-ASK: /' /run/askpw-e2e-ask.err
