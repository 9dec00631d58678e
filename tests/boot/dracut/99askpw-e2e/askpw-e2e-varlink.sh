#!/bin/sh
# An independent Varlink client (tests/varlink_client/main.go, the varlink
# project's reference Go library; the boot test puts it into the initrd)
# speaks to io.systemd.AskPassword on systemd 258's socket path, which askpw
# serves here: GetInfo, GetInterfaceDescription parsed by the library, then
# an Ask that a person answers at askpw's prompt. What the report prints
# (E2E-VARLINK: lines) goes to a file: the answer only as its length and
# SHA-256, never itself.
client=/usr/lib/askpw-e2e/varlink-client
socket=/run/systemd/io.systemd.AskPassword
dir=/run/askpw-e2e-varlink
out=/run/askpw-e2e-varlink.report
mkdir -p "$dir"
: >"$out"
if [ ! -x "$client" ]; then
    echo "no client: $client is missing" >>"$out"
    exit 1
fi
echo "socket before the first call: $(systemctl show -P ActiveState askpw-varlink.socket)," \
    "service $(systemctl show -P ActiveState askpw-varlink.service)" >>"$out"
echo "socket file: $(ls -ln "$socket" | cut -d' ' -f1,3,4)" >>"$out"
"$client" "$socket" info >"$dir/info.json" 2>"$dir/info.err"
echo "info exit status: $?" >>"$out"
echo "info: $(cat "$dir/info.json" "$dir/info.err")" >>"$out"
"$client" "$socket" describe io.systemd.AskPassword >"$dir/describe.json" 2>"$dir/describe.err"
echo "describe exit status: $?" >>"$out"
# The description itself (one long line of escaped text) stays out: what the
# library parsed from it is enough.
echo "describe: $(sed 's/^{"description":"\([^"\\]\|\\.\)*",/{/' "$dir/describe.json")$(cat "$dir/describe.err")" >>"$out"
"$client" "$socket" call io.systemd.AskPassword.Ask \
    '{"message":"Varlink question:","id":"askpw-e2e:varlink","timeoutUSec":240000000}' \
    >"$dir/ask.json" 2>"$dir/ask.err"
echo "ask exit status: $?" >>"$out"
# A test answer is plain ASCII without quotes or backslashes: its JSON string is the text itself.
answer=$(sed -n 's/^{"parameters":{"passwords":\["\([^"\\]*\)"\]}}$/\1/p' "$dir/ask.json")
if [ -n "$answer" ]; then
    echo "ask answer: $(printf '%s' "$answer" | wc -c) bytes, sha256 $(printf '%s' "$answer" | sha256sum | cut -d' ' -f1)" >>"$out"
else
    echo "ask reply: $(sed 's/"passwords":\[[^]]*\]/"passwords":[(hidden)]/' "$dir/ask.json")$(cat "$dir/ask.err")" >>"$out"
fi
answer=
rm -f "$dir/ask.json"
