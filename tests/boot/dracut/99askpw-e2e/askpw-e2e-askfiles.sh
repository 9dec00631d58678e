#!/bin/sh
# Records every password request as its ask file says it, whichever agent
# answers it (askpw or systemd's own, rd.askpw=0): one line per request in
# order of appearance, the report prints them as E2E-ASKFILE: lines. Written
# to a file, not the console, so that nothing lands between an agent's lines.
# Requests wait for a person to type, so a look every 0.1 s sees each one.
out=/run/askpw-e2e-askfiles
: >"$out"
seen=" "
while :; do
    for file in /run/systemd/ask-password/ask.*; do
        [ -e "$file" ] || continue
        name=${file##*/}
        case $seen in *" $name "*) continue ;; esac
        # Ask files are renamed into place whole, so a file is read complete or
        # not at all: one answered before it was read is missing from the
        # record (and the test says so), never recorded half.
        fields=$(grep -E '^(PID|AcceptCached|Echo|NotAfter|Message|Id)=' "$file" | tr '\n' '\t')
        case $fields in *Message=*) ;; *) continue ;; esac
        seen="$seen$name "
        printf '%s\t%s\n' "$name" "$fields" >>"$out"
    done
    sleep 0.1
done
