#!/bin/sh
# Calls askpw varlink through the test socket (PassPIDFD=yes,
# AcceptFileDescriptors=no) with tests/helpers/varlink_caller.ts, bundled,
# on askpw's Deno runtime; each run says its PID, pidfs ID and unit first.
# First a GetInfo with a descriptor attached (the kernel refuses it: EPERM),
# then GetInfo on the same connection, then an Ask that a person answers at
# askpw's prompt. The report prints what was found (E2E-VARLINKPIDFD: lines);
# the answer only as its length and SHA-256, never itself.
export DENO_DIR=/run/askpw-e2e-deno HOME=/run/askpw-e2e-deno DENO_NO_UPDATE_CHECK=1
socket=/run/askpw-test/varlink
dir=/run/askpw-e2e-varlinkpidfd
out=/run/askpw-e2e-varlinkpidfd.report
mkdir -p "$dir"
: >"$out"
caller() {
    /usr/lib/askpw/deno run --quiet --no-config --allow-all /usr/lib/askpw-e2e/varlink_caller.js "$@"
}
echo "socket: PassPIDFD=$(systemctl show -P PassPIDFD askpw-e2e-varlinkpidfd.socket)" \
    "AcceptFileDescriptors=$(systemctl show -P AcceptFileDescriptors askpw-e2e-varlinkpidfd.socket)" \
    "drop-ins=$(systemctl show -P DropInPaths askpw-e2e-varlinkpidfd.socket)" >>"$out"
echo "a file to attach" >"$dir/marker"
caller descriptor "$socket" "$dir/marker" >"$dir/descriptor.out" 2>&1
echo "descriptor exit status: $?" >>"$out"
sed -n 's/^CALLER: /descriptor: /p' "$dir/descriptor.out" >>"$out"
caller call "$socket" io.systemd.AskPassword.Ask \
    '{"message":"Varlink pidfd question:","id":"askpw-e2e:varlinkpidfd","timeoutUSec":240000000}' \
    >"$dir/ask.out" 2>&1
echo "ask exit status: $?" >>"$out"
grep -v '^CALLER: reply=' "$dir/ask.out" | sed 's/^CALLER: /ask: /' >>"$out"
# A test answer is plain ASCII without quotes or backslashes: its JSON string is the text itself.
answer=$(sed -n 's/^CALLER: reply={"parameters":{"passwords":\["\([^"\\]*\)"\]}}$/\1/p' "$dir/ask.out")
if [ -n "$answer" ]; then
    echo "ask: answer: $(printf '%s' "$answer" | wc -c) bytes, sha256 $(printf '%s' "$answer" | sha256sum | cut -d' ' -f1)" >>"$out"
else
    echo "ask: $(sed -n 's/^CALLER: \(reply=\)/\1/p' "$dir/ask.out" | sed 's/"passwords":\[[^]]*\]/"passwords":[(hidden)]/')" >>"$out"
fi
answer=
rm -f "$dir/ask.out"
