#!/bin/bash
# Test-only dracut module for askpw's boot tests: an SSH server in the initrd,
# so that the boot test can answer cryptsetup's request from the host with
# `ssh root@… askpw reply`. With askpw.e2e.ssh on the kernel command line:
#
# - systemd-networkd (the host's systemd, 252 on Debian 12) configures the
#   first Ethernet link by DHCP (QEMU's user network). Debian's dracut-core
#   has neither dracut's systemd-networkd module nor its network module (both
#   are in the dracut-network package), so this module installs networkd
#   itself, with one .network file: no ip= or rd.neednet= needed;
# - dropbear (Debian's dropbear-bin) runs in the foreground on port 22 once
#   the link has its address (systemd-networkd-wait-online), ordered after
#   nothing that waits for cryptsetup, so it serves while cryptsetup asks.
#   Public keys only; root's shell is dracut's /bin/sh.
#
# The keys are the test's own, made at test time and put into the initrd
# with dracut --include: the host key as /etc/dropbear/dropbear_ed25519_host_key
# (dropbearkey), root's /root/.ssh/authorized_keys (ssh-keygen). The virtio_net
# driver comes from the caller's --drivers. Never included unless asked for
# (-m askpw-ssh).

check() {
    return 255
}

depends() {
    echo systemd systemd-udevd
    return 0
}

install() {
    local unit
    inst_multiple /usr/sbin/dropbear \
        "$systemdutildir"/systemd-networkd "$systemdutildir"/systemd-networkd-wait-online \
        "$systemdsystemunitdir"/systemd-networkd.service \
        "$systemdsystemunitdir"/systemd-networkd.socket \
        "$systemdsystemunitdir"/systemd-networkd-wait-online.service
    inst_multiple -o "$systemdnetwork"/99-default.link
    inst_simple "$moddir/50-askpw-ssh.network" "$systemdnetworkconfdir/50-askpw-ssh.network"
    inst_simple "$moddir/askpw-ssh-dropbear.service" \
        "$systemdsystemunitdir/askpw-ssh-dropbear.service"
    # Networking only in the boots that ask for SSH.
    for unit in systemd-networkd.service systemd-networkd.socket \
        systemd-networkd-wait-online.service; do
        inst_simple "$moddir/only-with-ssh.conf" "$systemdsystemunitdir/$unit.d/askpw-ssh.conf"
    done
    inst_script "$moddir/askpw-ssh-report.sh" /usr/lib/askpw-e2e/report.d/ssh
    # dropbear takes only shells listed here (without the file, a built-in list).
    echo /bin/sh >"$initdir/etc/shells"
    # networkd runs as systemd-network (the systemd module adds the user).
    grep -q '^systemd-network:' "$initdir/etc/passwd" \
        || grep '^systemd-network:' "$dracutsysrootdir/etc/passwd" >>"$initdir/etc/passwd"
    grep -q '^systemd-network:' "$initdir/etc/group" \
        || grep '^systemd-network:' "$dracutsysrootdir/etc/group" >>"$initdir/etc/group"
    $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target askpw-ssh-dropbear.service
}
