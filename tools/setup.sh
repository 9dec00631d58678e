#!/bin/sh
# Installs what askpw's tests, benchmark and demo need on a fresh Debian
# machine: Debian packages through apt-get (as root), Deno through npm.
set -eu
cd "$(dirname "$0")/.."

# package:command pairs; a package is installed only when its command is missing.
PACKAGES="systemd:systemd-ask-password systemd:systemd-tty-ask-password-agent
  util-linux:unshare util-linux:nsenter coreutils:mkfifo
  nodejs:node qemu-system-x86:qemu-system-x86_64 dracut:dracut dracut-core:lsinitrd
  cryptsetup-bin:cryptsetup e2fsprogs:mkfs.ext4 zstd:zstd lz4:lz4 cpio:cpio kmod:depmod
  erofs-utils:mkfs.erofs squashfs-tools:mksquashfs
  plymouth:plymouthd plymouth:plymouth
  swtpm:swtpm tpm2-tools:tpm2_dictionarylockout gcc:cc golang-go:go
  dropbear-bin:dropbear openssh-client:ssh
  debootstrap:debootstrap lintian:lintian kbd:loadkeys
  clevis:clevis clevis-luks:clevis-luks-bind jose:jose socat:socat
  systemd:systemd-socket-activate dbus-daemon:dbus-daemon dbus-bin:dbus-send"

missing=""
for pair in $PACKAGES; do
  command -v "${pair#*:}" >/dev/null 2>&1 || missing="$missing ${pair%%:*}"
done
# dracut's plymouth module wants a theme (the boot test shows the details view).
dpkg -s plymouth-themes >/dev/null 2>&1 || missing="$missing plymouth-themes"
# The TPM2 boot tests: host tools reach swtpm through this TCTI; systemd
# dlopen()s the device TCTI inside the initrd.
# The Varlink tests' independent client is built on the varlink project's
# reference Go library (PyPI, home of the Python one, is out of reach).
# The PAM boot test builds a small PAM module (tests/boot/pam/) against libpam.
# The German-keyboard boot test takes de-latin1 from console-data (dracut's i18n module).
# askpw's dracut module packs the runtime into an EROFS or squashfs image (askpw_runtime="erofs",
# "squashfs") with erofs-utils' mkfs.erofs or squashfs-tools' mksquashfs.
# The Tang boot tests (tests/boot/clevis_test.ts): tang's tangd and
# tangd-keygen live in /usr/libexec, run by systemd-socket-activate on a
# port of 127.0.0.1; QEMU's user network runs a socat per guest connection
# to it. The initrd gets clevis's dracut modules (clevis-dracut, which pulls
# in dracut-network for systemd-networkd's module, whose dbus module wants
# dbus-daemon and dbus-send) and clevis-luks-askpass (clevis-systemd).
for package in libtss2-tcti-swtpm0 libtss2-tcti-device0 tpm-udev golang-github-varlink-go-dev \
  libpam0g-dev console-data tang clevis-dracut clevis-systemd dracut-network; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
# The boot tests need a Debian kernel image to boot.
ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1 || missing="$missing linux-image-amd64"
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing packages:$missing (run as root to install them)" >&2
    exit 1
  fi
  echo "setup: installing$missing"
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
    --no-install-recommends $missing >/dev/null
fi

if [ ! -x node_modules/.bin/deno ] || ! node_modules/.bin/deno --version >/dev/null 2>&1; then
  echo "setup: installing Deno from npm (package.json pins the version)"
  npm install --no-audit --no-fund --loglevel=error
fi
