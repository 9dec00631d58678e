#!/bin/sh
# Usage: askpw-runtime-image.sh TYPE ROOT IMAGE [UNITDIR]
# Packs ROOT/usr/lib/askpw (askpw's runtime) into IMAGE as a TYPE file system
# (erofs or squashfs), empties the directory (it stays, as the mount point)
# and installs into ROOT what mounts it at boot: usr-lib-askpw.mount (wanted
# by sysinit.target), the drop-ins by which askpw's services require it, and
# the modules to load (loop, TYPE). UNITDIR: systemd's unit directory inside
# ROOT (default /usr/lib/systemd/system).
# Shared by the dracut module (module-setup.sh) and mkosi (mkosi.finalize), so
# that both pack alike. When the image cannot be made it exits non-zero and
# leaves ROOT as it was.
set -eu
type=$1 root=$2 image=$3
units=$root${4:-/usr/lib/systemd/system}
templates=${0%/*}
lib=$root/usr/lib/askpw
rm -f "$image"
case $type in
  # lz4hc (Debian's kernels have no LZMA for EROFS) in physical clusters of up
  # to 64 KiB: 48 MB instead of 58 MB for Deno's 96 MB.
  erofs) mkfs.erofs -zlz4hc,12 -C65536 --quiet "$image" "$lib" >/dev/null ;;
  # zstd in 1 MiB blocks: 35 MB, the runtime no larger than inline (256 KiB
  # blocks: 37 MB). A start touches a third of Deno's pages, spread over the
  # binary: most blocks get decompressed either way.
  squashfs)
    mksquashfs "$lib" "$image" -comp zstd -Xcompression-level 19 \
      -b 1048576 -noappend -quiet -no-progress -all-root >/dev/null
    ;;
  *) false ;;
esac || {
  echo "askpw-runtime-image: could not make the $type image $image" >&2
  rm -f "$image"
  exit 1
}
rm -rf "${lib:?}"/*
mkdir -p "$units/sysinit.target.wants" "$root/usr/lib/modules-load.d"
sed "s/@TYPE@/$type/g" "$templates/usr-lib-askpw.mount" >"$units/usr-lib-askpw.mount"
sed "s/@TYPE@/$type/g" "$templates/askpw-runtime-modules.conf" \
  >"$root/usr/lib/modules-load.d/askpw-runtime.conf"
for unit in askpw-agent.service askpw-varlink.service; do
  mkdir -p "$units/$unit.d"
  cp "$templates/askpw-runtime.conf" "$units/$unit.d/90-askpw-runtime.conf"
done
# Also for the units that run askpw outside these services (initrd hooks:
# askpw ask): mounted at every boot, whatever started.
ln -sfn ../usr-lib-askpw.mount "$units/sysinit.target.wants/usr-lib-askpw.mount"
