#!/bin/bash
# askpw: answers systemd's password requests in the initrd (cryptsetup, FIDO2
# and TPM2 PINs, …) through Plymouth and on every console, in place of
# systemd's console and Plymouth agents.
#
# TPM2 (+ PIN) unlocking needs nothing from askpw, but dracut adds its
# tpm2-tss module (the TPM2 token plugin, the TSS libraries, tpm2 and the
# udev rules) only in hostonly mode with tpm2-device= in /etc/crypttab:
# otherwise add it yourself, `dracut --add tpm2-tss` or
# add_dracutmodules+=" tpm2-tss " in /etc/dracut.conf.d/. Without it,
# systemd-cryptsetup silently falls back to asking for the passphrase.

# Where the installed askpw tree is: / on a system with the askpw package,
# or a staging tree (tools/install.sh DESTDIR) given as ASKPW_ROOT.
askpw_root() {
    echo "${ASKPW_ROOT:-}"
}

# called by dracut
check() {
    local root
    root=$(askpw_root)
    [[ -x $root/usr/bin/askpw ]] || return 1
    [[ -x $root/usr/lib/askpw/askpw ]] \
        || [[ -x $root/usr/lib/askpw/deno && -f $root/usr/lib/askpw/askpw.js ]] \
        || return 1
    # Only when asked for: the package's dracut.conf.d snippet (or -a askpw) adds it.
    return 255
}

# called by dracut
depends() {
    echo systemd systemd-ask-password
    return 0
}

# called by dracut
install() {
    local root unit
    root=$(askpw_root)

    if [[ -x $root/usr/lib/askpw/askpw ]]; then
        # the deno compile single binary
        inst_binary "$root/usr/lib/askpw/askpw" /usr/lib/askpw/askpw
    else
        # the Deno runtime plus the bundle
        inst_binary "$root/usr/lib/askpw/deno" /usr/lib/askpw/deno
        inst_simple "$root/usr/lib/askpw/askpw.js" /usr/lib/askpw/askpw.js
    fi
    inst_script "$root/usr/bin/askpw" /usr/bin/askpw
    # askpw dlopen()s libc for its syscalls: invisible to ldd, so name it.
    inst_libdir_file "libc.so.6"
    inst_multiple mkdir touch systemctl

    for unit in askpw-agent.path askpw-agent.service askpw-fallback.service; do
        inst_simple "$moddir/$unit" "$systemdsystemunitdir/$unit"
    done
    # systemd's own agents stay in the initrd, but only run with rd.askpw=0 or
    # after askpw failed; otherwise they would race askpw for the console.
    for unit in systemd-ask-password-console.path systemd-ask-password-console.service \
        systemd-ask-password-plymouth.path systemd-ask-password-plymouth.service; do
        inst_simple "$moddir/stock-agent-only-as-fallback.conf" \
            "$systemdsystemunitdir/$unit.d/90-askpw.conf"
    done
    $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target askpw-agent.path

    # io.systemd.AskPassword (Varlink): systemd 258 and later serve it with
    # systemd-ask-password.socket; for an older systemd, askpw serves it.
    if [[ ! -e $dracutsysrootdir$systemdsystemunitdir/systemd-ask-password.socket ]]; then
        for unit in askpw-varlink.socket askpw-varlink.service; do
            inst_simple "$moddir/$unit" "$systemdsystemunitdir/$unit"
        done
        $SYSTEMCTL -q --root "$initdir" add-wants sockets.target askpw-varlink.socket
    fi
}
