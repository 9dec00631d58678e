#!/bin/sh
# Builds the askpw cpio initrd from the repository's mkosi.conf with a
# Debian-packaged mkosi (bookworm-backports), for CI and by hand:
#   sudo sh tools/mkosi-build.sh            -> out/askpw-initrd.cpio.zst
#   sudo ASKPW_MKOSI_SUITE=trixie sh tools/mkosi-build.sh
#        the trixie initrd of mkosi/trixie/ -> out/askpw-initrd-trixie.cpio.zst
#   sudo ASKPW_MKOSI_RUNTIME=erofs sh tools/mkosi-build.sh
#        askpw's runtime packed as mkosi.finalize's ASKPW_RUNTIME says (erofs,
#        squashfs, early-cpio; default inline) -> out/askpw-initrd-erofs.cpio.zst
#   sudo sh tools/mkosi-build.sh ARGS...    runs `mkosi ARGS...` there instead,
#        e.g. `-C mkosi/bootable summary` (paths are relative to the repository)
#
# Why a throwaway root: bookworm-backports' mkosi depends on systemd >= 254 and
# would replace the host's systemd 252, which the tests use as the reference
# asker. So mkosi lives in a debootstrapped bookworm root under $cache and runs
# there, with the repository bind-mounted at /src. The root is built once and
# reused (a stamp file marks it complete); the package cache is kept beside it,
# so a rerun downloads nothing. The same mkosi 24.3 builds the trixie image
# too (it installs trixie's packages with apt and dpkg from the bookworm
# root); each release keeps a package cache of its own.
#
# Environment:
#   ASKPW_MKOSI_SUITE   the image's Debian release: bookworm (default,
#                       mkosi.conf) or trixie (mkosi/trixie/mkosi.conf)
#   ASKPW_MKOSI_CACHE   cache directory (default /var/cache/askpw-mkosi)
#   ASKPW_MKOSI_ROOT    the bookworm root (default $ASKPW_MKOSI_CACHE/bookworm-root)
#   ASKPW_MKOSI_MIRROR  Debian mirror for debootstrap (default http://deb.debian.org/debian)
#   ASKPW_MKOSI_RUNTIME how askpw's runtime is packed (bookworm only): inline
#                       (default), erofs, squashfs or early-cpio
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${ASKPW_MKOSI_CACHE:-/var/cache/askpw-mkosi}
root=${ASKPW_MKOSI_ROOT:-$cache/bookworm-root}
mirror=${ASKPW_MKOSI_MIRROR:-http://deb.debian.org/debian}
suite=${ASKPW_MKOSI_SUITE:-bookworm}
case $suite in
bookworm) config=. out="$repo/out/askpw-initrd.cpio.zst" packages="$cache/packages" ;;
trixie) config=mkosi/trixie out="$repo/out/askpw-initrd-trixie.cpio.zst" packages="$cache/packages-trixie" ;;
*) echo "mkosi-build: unknown ASKPW_MKOSI_SUITE '$suite' (bookworm or trixie)" >&2; exit 1 ;;
esac
runtime=${ASKPW_MKOSI_RUNTIME:-inline}
runtime_args=""
if [ "$runtime" != inline ]; then
  [ "$suite" = bookworm ] || { echo "mkosi-build: ASKPW_MKOSI_RUNTIME is for the bookworm image" >&2; exit 1; }
  out="$repo/out/askpw-initrd-$runtime.cpio.zst"
  runtime_args="-E ASKPW_RUNTIME=$runtime --output=askpw-initrd-$runtime"
fi
# What mkosi needs for a Debian cpio image (`mkosi dependencies` lists more,
# for formats we do not build here). bubblewrap is mkosi 24's sandbox.
# mkosi.finalize packs the runtime into an image with erofs-utils or
# squashfs-tools (ASKPW_MKOSI_RUNTIME).
pkgs="mkosi bubblewrap apt dpkg debian-archive-keyring cpio zstd python3 erofs-utils squashfs-tools"
stamp="$root/.askpw-mkosi-ready"

[ "$(id -u)" = 0 ] || { echo "mkosi-build: must run as root (debootstrap, chroot, mounts)" >&2; exit 1; }
# The root gets deleted when it is incomplete: never let that be / or empty.
case $root in /*/*) ;; *) echo "mkosi-build: refusing root '$root'" >&2; exit 1 ;; esac

# Everything below mounts things. Do it in a private mount namespace: if this
# script is killed before its trap runs, the kernel drops the mounts with the
# namespace, and nothing (least of all the bind-mounted repository) stays
# mounted inside a directory that a later run may delete.
if [ -z "${ASKPW_MKOSI_NS:-}" ]; then
  ASKPW_MKOSI_NS=1 exec unshare --mount --propagation private sh "$0" "$@"
fi

t0=$(date +%s)
step() { echo "mkosi-build: [$(( $(date +%s) - t0 ))s] $*"; }

# Unmounts everything below $root, deepest first (the trap, and a safety net
# before the root is deleted).
unmount_root() {
  awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts |
    sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
}
trap unmount_root EXIT

# rm first: through a symlink left in the root, cp would write to the host.
copy_resolv_conf() {
  rm -f "$root/etc/resolv.conf"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
}
trap 'exit 130' INT TERM

mkdir -p "$packages"

# 1. The throwaway bookworm root with mkosi from backports.
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pkgs" ]; then
  step "reusing $root ($(chroot "$root" mkosi --version))"
else
  if [ -e "$root" ]; then
    step "removing incomplete or outdated $root"
    unmount_root
    # --one-file-system: never descend into anything still mounted below.
    rm -rf --one-file-system "$root"
  fi
  command -v debootstrap >/dev/null || {
    step "installing debootstrap on the host"
    # A fresh CI machine may have no package lists yet.
    apt-get install -y debootstrap >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null && apt-get install -y debootstrap >/dev/null; }
  }
  step "debootstrap bookworm into $root"
  # debootstrap keeps its .debs in $cache too, so that remaking the root
  # downloads nothing either.
  mkdir -p "$cache/debootstrap"
  debootstrap --variant=minbase --cache-dir="$cache/debootstrap" bookworm "$root" "$mirror" \
    >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $mirror bookworm-backports main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
  copy_resolv_conf
  step "apt-get -t bookworm-backports install $pkgs"
  chroot "$root" sh -c "export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q --no-install-recommends -t bookworm-backports $pkgs
    apt-get clean" >"$cache/apt.log" 2>&1 || { tail -20 "$cache/apt.log" >&2; exit 1; }
  echo "$pkgs" >"$stamp"
  step "root ready: $(chroot "$root" mkosi --version)"
fi

# 2. The askpw tree that mkosi.conf names in ExtraTrees= (built on the host,
# where the Deno binary and the bundle are). Rebuilt from scratch each time so
# that nothing stale reaches the image.
rm -rf "$repo/out/askpw-tree"
sh "$repo/tools/askpw-tree.sh" "$repo/out/askpw-tree"
step "askpw tree ready"

# 3. Mounts for mkosi in the root. The host's resolver configuration may have
# changed since the root was made (CI machines), and apt in mkosi needs it.
copy_resolv_conf
# The root is bind-mounted onto itself first: mkosi 24 sandboxes with
# bubblewrap, which fails in a plain chroot ("Failed to make / slave: Invalid
# argument") because the chroot's / is not a mount point.
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
mkdir -p "$root/src" "$root/var/cache/askpw-packages"
mount --bind "$repo" "$root/src"
mount --bind "$packages" "$root/var/cache/askpw-packages"

# 4. Build. -f replaces a previous output, so reruns are idempotent.
in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
    sh -c 'cd /src && exec mkosi --package-cache-dir=/var/cache/askpw-packages "$@"' mkosi "$@"
}
if [ $# -gt 0 ]; then
  step "mkosi $*"
  in_root "$@"
  step "done"
  exit 0
fi
step "mkosi -C $config $runtime_args -f build ($suite, runtime $runtime)"
rm -f "$out"
# shellcheck disable=SC2086 # runtime_args: words, none with spaces
in_root -C "$config" $runtime_args -f build
[ -f "$out" ] || { echo "mkosi-build: $out was not produced" >&2; exit 1; }
step "done: $out ($(du -m "$out" | cut -f1) MB)"
