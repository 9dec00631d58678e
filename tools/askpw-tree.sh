#!/bin/sh
# Builds a file tree with askpw and its systemd units, ready to be copied over
# an image's root: mkosi's ExtraTrees= (see mkosi.conf), or any other image or
# initrd builder that can add a directory. It holds what the dracut module
# (dracut-module/90askpw/module-setup.sh) installs:
#   usr/bin/askpw, usr/lib/askpw/...            tools/install.sh
#   usr/lib/systemd/system/askpw-*.{path,service,socket}
#   usr/lib/systemd/system/systemd-ask-password-{console,plymouth}.{path,service}.d/90-askpw.conf
#   usr/lib/systemd/system/systemd-cryptsetup@.service.d/90-askpw.conf
#   usr/lib/systemd/system/sysinit.target.wants/askpw-agent.path
#   usr/lib/systemd/system/sockets.target.wants/askpw-varlink.socket
#     (the socket does not start where systemd serves io.systemd.AskPassword)
# Usage: tools/askpw-tree.sh DEST
set -eu
dest=${1:?usage: tools/askpw-tree.sh DEST}
# DEST is relative to the caller's directory, not to the repository.
case $dest in /*) ;; *) dest=$(pwd)/$dest ;; esac
cd "$(dirname "$0")/.."
mod=dracut-module/90askpw
units="$dest/usr/lib/systemd/system"

sh tools/install.sh "$dest"

mkdir -p "$units/sysinit.target.wants" "$units/sockets.target.wants"
for unit in askpw-agent.path askpw-agent.service askpw-fallback.service \
  askpw-varlink.socket askpw-varlink.service; do
  install -m 0644 "$mod/$unit" "$units/$unit"
done
# systemd's own agents stay, but only run with rd.askpw=0 or after askpw
# failed; otherwise they would race askpw for the console.
for unit in systemd-ask-password-console.path systemd-ask-password-console.service \
  systemd-ask-password-plymouth.path systemd-ask-password-plymouth.service; do
  mkdir -p "$units/$unit.d"
  install -m 0644 "$mod/stock-agent-only-as-fallback.conf" "$units/$unit.d/90-askpw.conf"
done
# Enabled by a symlink in /usr rather than by a preset: the tree is copied in
# after package installation, and image builders differ in whether and when
# they apply presets (mkosi's initrd does, with its own preset file). A
# relative link works both in the initrd and in a booted system.
ln -sfn ../askpw-agent.path "$units/sysinit.target.wants/askpw-agent.path"
# Started with each encrypted volume's unit, as the dracut module does.
mkdir -p "$units/systemd-cryptsetup@.service.d"
install -m 0644 "$mod/cryptsetup-wants-askpw.conf" "$units/systemd-cryptsetup@.service.d/90-askpw.conf"
ln -sfn ../askpw-varlink.socket "$units/sockets.target.wants/askpw-varlink.socket"
echo "askpw-tree: $dest"
