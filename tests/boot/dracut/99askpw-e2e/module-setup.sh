#!/bin/bash
# Test-only dracut module for askpw's boot tests: reports what was unlocked and
# how, then powers off; with askpw.e2e.kill on the kernel command line it kills
# askpw before it can prompt, with askpw.e2e.pending=N it says when N password
# requests are pending, with askpw.e2e.askfiles it records every request's ask
# file for the report, with askpw.e2e.varlink a Varlink client (put into the
# initrd by the boot test at /usr/lib/askpw-e2e/varlink-client) asks through
# io.systemd.AskPassword before cryptsetup does, with askpw.e2e.wrongpidfdid
# askpw-agent.service gets a $MANAGERPIDFDID that is not pid1's pidfs ID, with
# askpw.e2e.vtscreen VT 1's screen is mirrored to the serial console, with
# askpw.e2e.keymap vconsole.conf's keymap is loaded (Debian has no
# systemd-vconsole-setup), with askpw.e2e.askwatch each ask file's creation
# and removal is timed on CLOCK_MONOTONIC.
# Never included unless asked for (-m askpw-e2e).

check() {
    return 255
}

depends() {
    echo systemd crypt
    return 0
}

install() {
    inst_multiple cat ls tr sed sleep kill journalctl setpriv grep mkdir rm wc cut sha256sum
    inst_script "$moddir/askpw-e2e-report.sh" /usr/bin/askpw-e2e-report.sh
    inst_script "$moddir/askpw-e2e-kill.sh" /usr/bin/askpw-e2e-kill.sh
    inst_script "$moddir/askpw-e2e-pending.sh" /usr/bin/askpw-e2e-pending.sh
    inst_simple "$moddir/askpw-e2e-runtime.conf" "$systemdsystemunitdir/askpw-e2e-.service.d/90-runtime.conf"
    inst_simple "$moddir/askpw-e2e-report.service" "$systemdsystemunitdir/askpw-e2e-report.service"
    inst_simple "$moddir/askpw-e2e-kill.service" "$systemdsystemunitdir/askpw-e2e-kill.service"
    inst_simple "$moddir/askpw-e2e-pending.service" "$systemdsystemunitdir/askpw-e2e-pending.service"
    inst_script "$moddir/askpw-e2e-askfiles.sh" /usr/bin/askpw-e2e-askfiles.sh
    inst_simple "$moddir/askpw-e2e-askfiles.service" "$systemdsystemunitdir/askpw-e2e-askfiles.service"
    inst_script "$moddir/askpw-e2e-ask.sh" /usr/bin/askpw-e2e-ask.sh
    inst_simple "$moddir/askpw-e2e-ask.service" "$systemdsystemunitdir/askpw-e2e-ask.service"
    $SYSTEMCTL -q --root "$initdir" add-wants initrd.target askpw-e2e-ask.service
    # Bundles of tests/helpers/socket_checks.ts and send_datagram.ts (the boot
    # test makes them); they run on askpw's Deno runtime.
    if [ -f "$moddir/socket_checks.js" ]; then
        inst_simple "$moddir/socket_checks.js" /usr/lib/askpw-e2e/socket_checks.js
        inst_simple "$moddir/send_datagram.js" /usr/lib/askpw-e2e/send_datagram.js
        inst_script "$moddir/askpw-e2e-sockets.sh" /usr/bin/askpw-e2e-sockets.sh
        inst_simple "$moddir/askpw-e2e-sockets.service" "$systemdsystemunitdir/askpw-e2e-sockets.service"
        $SYSTEMCTL -q --root "$initdir" add-wants initrd.target askpw-e2e-sockets.service
    fi
    $SYSTEMCTL -q --root "$initdir" add-wants initrd.target askpw-e2e-report.service
    # With askpw.e2e.askwatch: each ask file's removal and askpw's
    # "(withdrawn)" on the serial console timed by the kernel's trace on
    # CLOCK_MONOTONIC, the ask files' inotify events by a watcher on askpw's
    # runtime, reported with askpw's journal on the same clock
    # (tests/boot/clevis_test.ts).
    inst_multiple -o mount
    inst_simple "$moddir/askpw-e2e-askwatch.js" /usr/lib/askpw-e2e/askwatch.js
    inst_script "$moddir/askpw-e2e-askwatch.sh" /usr/bin/askpw-e2e-askwatch.sh
    inst_script "$moddir/askpw-e2e-askwatch-report.sh" /usr/lib/askpw-e2e/report.d/askwatch
    inst_simple "$moddir/askpw-e2e-askwatch.service" "$systemdsystemunitdir/askpw-e2e-askwatch.service"
    $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target askpw-e2e-askwatch.service
    # With askpw.e2e.keymap: /etc/vconsole.conf's keymap loaded into the VT
    # (the boot test adds the keymaps with --include).
    if inst_multiple -o loadkeys gzip && command -v loadkeys >/dev/null; then
        inst_script "$moddir/askpw-e2e-keymap.sh" /usr/bin/askpw-e2e-keymap.sh
        inst_simple "$moddir/askpw-e2e-keymap.service" "$systemdsystemunitdir/askpw-e2e-keymap.service"
        $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target askpw-e2e-keymap.service
    fi
    # With askpw.e2e.vtscreen: VT 1's screen on the serial console (the bundle
    # of tests/helpers/vt_screen_mirror.ts; the boot test puts it here).
    if [ -f "$moddir/vt_screen_mirror.js" ]; then
        inst_simple "$moddir/vt_screen_mirror.js" /usr/lib/askpw-e2e/vt_screen_mirror.js
        inst_simple "$moddir/askpw-e2e-vtscreen.service" "$systemdsystemunitdir/askpw-e2e-vtscreen.service"
        $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target askpw-e2e-vtscreen.service
    fi
    $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target askpw-e2e-kill.service
    $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target askpw-e2e-pending.service
    $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target askpw-e2e-askfiles.service
    # The Varlink client, when the boot test put it here (a root's dracut
    # cannot reach the host's --include paths).
    if [ -x "$moddir/varlink-client" ]; then
        inst_simple "$moddir/varlink-client" /usr/lib/askpw-e2e/varlink-client
    fi
    inst_script "$moddir/askpw-e2e-pidfdid-generator.sh" \
        "$systemdutildir/system-generators/askpw-e2e-pidfdid-generator"
    inst_script "$moddir/askpw-e2e-varlink.sh" /usr/bin/askpw-e2e-varlink.sh
    inst_simple "$moddir/askpw-e2e-varlink.service" "$systemdsystemunitdir/askpw-e2e-varlink.service"
    $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target askpw-e2e-varlink.service
    # With askpw.e2e.varlinkpidfd: askpw varlink on a test socket with
    # PassPIDFD=yes and AcceptFileDescriptors=no (a generator's drop-in, systemd
    # 258+ only), called by the bundle of tests/helpers/varlink_caller.ts
    # (tests/boot/varlink_pidfd_test.ts puts it here).
    if [ -f "$moddir/varlink_caller.js" ]; then
        inst_simple "$moddir/varlink_caller.js" /usr/lib/askpw-e2e/varlink_caller.js
        inst_script "$moddir/askpw-e2e-varlinkpidfd.sh" /usr/bin/askpw-e2e-varlinkpidfd.sh
        inst_script "$moddir/askpw-e2e-varlinkpidfd-report.sh" /usr/lib/askpw-e2e/report.d/varlinkpidfd
        inst_script "$moddir/askpw-e2e-varlinkpidfd-generator.sh" \
            "$systemdutildir/system-generators/askpw-e2e-varlinkpidfd-generator"
        inst_simple "$moddir/askpw-e2e-varlinkpidfd.socket" "$systemdsystemunitdir/askpw-e2e-varlinkpidfd.socket"
        inst_simple "$moddir/askpw-e2e-varlinkpidfd.service" "$systemdsystemunitdir/askpw-e2e-varlinkpidfd.service"
        inst_simple "$moddir/askpw-e2e-varlinkpidfd-caller.service" \
            "$systemdsystemunitdir/askpw-e2e-varlinkpidfd-caller.service"
        $SYSTEMCTL -q --root "$initdir" add-wants sockets.target askpw-e2e-varlinkpidfd.socket
        $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target askpw-e2e-varlinkpidfd-caller.service
    fi
}
