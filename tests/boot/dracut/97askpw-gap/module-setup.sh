#!/bin/bash
# Test-only dracut module for tests/boot/running_system_test.ts: as the initrd
# ends (the isolation to initrd-switch-root.target), an asker writes a
# password request and lives on across the switch to the real root (its
# argv[0] starts with "@"), waiting for its answer; the real root's askpw must
# answer it ("no gap at the switch-root"). The answer goes to
# /run/askpw-e2e-gap.answer. Never included unless asked for (-a askpw-gap).

check() {
    return 255
}

depends() {
    echo systemd systemd-ask-password
    return 0
}

install() {
    inst_multiple systemd-ask-password systemctl grep sleep
    inst_script "$moddir/askpw-e2e-gap-wait.sh" /usr/bin/askpw-e2e-gap-wait.sh
    inst_simple "$moddir/askpw-e2e-gap.service" "$systemdsystemunitdir/askpw-e2e-gap.service"
    $SYSTEMCTL -q --root "$initdir" add-wants initrd-switch-root.target askpw-e2e-gap.service
}
