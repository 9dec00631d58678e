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

# Runs askpw once inside the initrd being built (chroot) so that Deno's cache
# for the bundle (its module analysis and V8's compiled code, keyed by the
# bundle's path) is in the initrd: the launcher copies /usr/lib/askpw/cache to
# its DENO_DIR when it exists, and askpw then starts without parsing and
# compiling the bundle.
# Needs root (chroot); without it askpw starts the slower way, as it does with
# askpw_deno_cache="no" in dracut's configuration (or the environment).
prepare_deno_cache() {
    [[ -x $initdir/usr/lib/askpw/deno ]] || return 0
    [[ ${askpw_deno_cache:-yes} == no ]] && return 0
    local cache=$initdir/usr/lib/askpw/cache shell
    # To run askpw in the initrd being built, now: a /bin/sh for the launcher
    # (dracut's base module adds bash as /bin/sh only after this module when
    # no shell module came first: do now what it would do then), and the
    # libraries of the shell and of Deno, which dracut otherwise adds at the end.
    if [[ ! -e $initdir/bin/sh ]]; then
        inst_multiple bash
        ln -s bash "$initdir/bin/sh"
    fi
    # Libraries at once: dracut up to 10x resolves them when DRACUT_RESOLVE_DEPS
    # is set, dracut 11x (Debian trixie, sid) when DRACUT_RESOLVE_LAZY is empty.
    shell=$(readlink -f "$initdir/bin/sh")
    DRACUT_RESOLVE_LAZY='' DRACUT_RESOLVE_DEPS=1 inst_binary "${shell#"$initdir"}"
    DRACUT_RESOLVE_LAZY='' DRACUT_RESOLVE_DEPS=1 \
        inst_binary "$(askpw_root)/usr/lib/askpw/deno" /usr/lib/askpw/deno
    rm -rf "$cache" "$initdir/tmp/askpw"
    ASKPW_STATE_DIRECTORY=/tmp/askpw chroot "$initdir" /usr/bin/askpw --version > /dev/null 2>&1
    mv "$initdir/tmp/askpw/deno" "$cache" 2> /dev/null
    rm -rf "$initdir/tmp/askpw"
    # SQLite databases and their write-ahead logs, one with the bundle's
    # entry; the shared-memory indexes are made again when opened.
    rm -f "$cache"/*-shm
    if ! grep -qa "file:///usr/lib/askpw/askpw.js" "$cache"/v8_code_cache_v2*; then
        dwarn "askpw: could not prepare Deno's cache in the initrd (not root?); askpw starts without it"
        rm -rf "$cache"
    fi
}

# How the runtime (Deno, or the compiled askpw) is packed: askpw_runtime in
# dracut's configuration (or the environment).
#   squashfs    a squashfs image (zstd, 1 MiB blocks) in the uncompressed early
#               cpio, mounted at /usr/lib/askpw at boot (the default): the
#               kernel copies 35 MB instead of decompressing 96 MB before /init,
#               and the pages are decompressed when Deno touches them; the
#               initrd is no larger than inline
#   inline      in dracut's compressed image with everything else (the
#               fallback when mksquashfs or the early cpio is missing)
#   erofs       an EROFS image (lz4hc) in the uncompressed early cpio, mounted
#               at /usr/lib/askpw at boot: the kernel copies 48 MB instead of
#               decompressing 96 MB before /init (systemd starts as early as
#               without askpw), lz4 costs Deno's start less than zstd: the
#               prompt comes 0.3 s sooner than with squashfs, for 13 MB more
#   early-cpio  the files themselves in the uncompressed early cpio (+61 MB)
# README "Boot cost, take two" has the measurements.
# The early cpio is dracut's (the one early microcode goes into): with
# early_microcode="no" there is none, and the runtime stays inline.
askpw_runtime_packing() {
    local packing=${askpw_runtime:-squashfs} say=dwarn
    # The default falls back quietly: only a packing asked for warns.
    [[ -n ${askpw_runtime-} ]] || say=dinfo
    case $packing in
        erofs | squashfs | early-cpio | inline) ;;
        *)
            dwarn "askpw: unknown askpw_runtime=\"$packing\"; packing the runtime inline"
            packing=inline
            ;;
    esac
    if [[ $packing != inline && ! -d ${early_cpio_dir-} ]]; then
        $say "askpw: askpw_runtime=\"$packing\" needs dracut's early cpio (early_microcode=\"yes\"); packing the runtime inline"
        packing=inline
    fi
    if [[ $packing == erofs ]] && ! command -v mkfs.erofs > /dev/null; then
        $say "askpw: askpw_runtime=\"erofs\" needs mkfs.erofs (erofs-utils); packing the runtime inline"
        packing=inline
    fi
    if [[ $packing == squashfs ]] && ! command -v mksquashfs > /dev/null; then
        $say "askpw: askpw_runtime=\"squashfs\" needs mksquashfs (squashfs-tools); packing the runtime inline"
        packing=inline
    fi
    echo "$packing"
}

# Moves /usr/lib/askpw out of the compressed image into the early cpio: as a
# file system image (erofs, squashfs) or as it is (early-cpio). Runs last in
# install(): the tree is complete, Deno's cache prepared.
pack_runtime() {
    local packing=$1 early=${early_cpio_dir-}/d
    [[ $packing == inline ]] && return 0
    # The libraries, now: dracut resolves them lazily at the end, from the
    # files in $initdir, where the runtime no longer is.
    local runtime=/usr/lib/askpw/deno
    [[ -x $initdir/usr/lib/askpw/askpw ]] && runtime=/usr/lib/askpw/askpw
    DRACUT_RESOLVE_LAZY='' DRACUT_RESOLVE_DEPS=1 inst_binary "$(askpw_root)$runtime" "$runtime"
    mkdir -p "$early/usr/lib"
    if [[ $packing == erofs || $packing == squashfs ]]; then
        # The image, the mount unit and its drop-ins, as mkosi.finalize makes them.
        if ! sh "$moddir/askpw-runtime-image.sh" "$packing" "$initdir" \
            "$early/usr/lib/askpw.$packing" "$systemdsystemunitdir"; then
            dwarn "askpw: making the $packing image failed; the runtime stays inline"
            return 0
        fi
    else
        rm -rf "$early/usr/lib/askpw"
        mv "$initdir/usr/lib/askpw" "$early/usr/lib/askpw"
    fi
    # dracut writes the early cpio only when something asked for it.
    create_early_cpio=yes
}

# called by dracut: the keyboards' input event devices (evdev) and their LEDs
# (input_leds: Caps Lock reaches evdev through its kbd-capslock trigger), for the
# Caps Lock warning (askpw reads their LED events only), and the PC speaker,
# for rd.askpw.beep=1's tones; neither is needed to ask.
installkernel() {
    hostonly='' instmods evdev input_leds pcspkr
    # askpw_runtime="erofs" or "squashfs" loop-mounts the runtime's image.
    local packing
    packing=$(askpw_runtime_packing 2> /dev/null)
    if [[ $packing == erofs || $packing == squashfs ]]; then
        hostonly='' instmods loop "$packing"
    fi
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
    inst_multiple mkdir touch systemctl cp

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
    # Started with the encrypted volumes (in parallel; nothing waits for it) so
    # that it already watches when the first one asks; the path unit is the
    # safety net, and boots without encrypted volumes do not start it at all.
    inst_simple "$moddir/cryptsetup-wants-askpw.conf" \
        "$systemdsystemunitdir/systemd-cryptsetup@.service.d/90-askpw.conf"
    $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target askpw-agent.path
    prepare_deno_cache
    pack_runtime "$(askpw_runtime_packing)"

    # io.systemd.AskPassword (Varlink): systemd 258 and later serve it with
    # systemd-ask-password.socket, which dracut (up to 112 at least) leaves out
    # of the initrd: take systemd's socket in, so that initrd units can ask
    # through it (systemd-ask-password writes the ask file askpw answers). For
    # an older systemd, askpw serves the interface itself.
    if [[ -e $dracutsysrootdir$systemdsystemunitdir/systemd-ask-password.socket ]]; then
        inst_multiple systemd-ask-password
        for unit in systemd-ask-password.socket systemd-ask-password@.service; do
            inst_simple "$systemdsystemunitdir/$unit"
        done
        $SYSTEMCTL -q --root "$initdir" add-wants sockets.target systemd-ask-password.socket
    else
        for unit in askpw-varlink.socket askpw-varlink.service; do
            inst_simple "$moddir/$unit" "$systemdsystemunitdir/$unit"
        done
        $SYSTEMCTL -q --root "$initdir" add-wants sockets.target askpw-varlink.socket
    fi
}
