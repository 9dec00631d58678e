#!/bin/sh
# deno task deb: builds dist/askpw_VERSION_amd64.deb with Debian's own tools
# (dpkg-shlibdeps, dpkg-deb), no debhelper and no source package. It holds:
#   /usr/bin/askpw, /usr/lib/askpw/...        tools/install.sh (the Deno runtime
#                                             and the bundle, or --compiled)
#   /usr/lib/dracut/modules.d/90askpw/        dracut-module/90askpw
#   /usr/lib/dracut/dracut.conf.d/90-askpw.conf  dracut-module/askpw.conf
#   /usr/lib/systemd/system/askpw-*           packaging/systemd/system: askpw as
#                                             the running system's agent
#   /usr/lib/systemd/system/systemd-ask-password-{console,plymouth}.{path,service}.d/90-askpw.conf
#                                             packaging/systemd/system/
#                                             stock-agent-when-askpw-is-off.conf
#   /usr/lib/systemd/user/askpw-*             packaging/systemd/user: each user's agent
#   /usr/lib/systemd/{system,user}-preset/80-askpw.preset  packaging/systemd/*-preset
#   /usr/share/man/man8/askpw.8.gz            tools/man_page.ts (from --help)
#   /usr/share/doc/askpw/{copyright,changelog.Debian.gz}
#   /usr/share/lintian/overrides/askpw
# from the metadata in packaging/debian/: control (template), copyright,
# changelog (its top entry gives the version: deno.json's plus a Debian
# revision), triggers, lintian-overrides, and the maintainer scripts postinst,
# prerm and postrm (written by hand: they enable the units through their
# presets and clean up on purge).
#
# Usage: tools/deb.sh [--compiled]
#   --compiled: ship dist/askpw-bin (deno task compile) as /usr/lib/askpw/askpw
#   instead of the Deno runtime and the bundle.
# Environment: ASKPW_DEB_XZ_LEVEL, the xz level (default 6, dpkg-deb's): with
# the 95 MB runtime, 6 takes about a minute of CPU, 1 a quarter of that for a
# package 12% larger (the tests use 1).
#
# Reproducible: every file gets the last commit's time ($SOURCE_DATE_EPOCH
# when set), owner root:root, mode 0644 or 0755; dpkg-deb sorts the archive.
# The ELF files are not stripped: the npm Deno runtime comes stripped already,
# and stripping a deno compile binary would cut off the program it carries.
set -eu
compiled=
if [ "${1:-}" = --compiled ]; then compiled=--compiled; shift; fi
[ $# = 0 ] || { echo "usage: tools/deb.sh [--compiled]" >&2; exit 2; }
cd "$(dirname "$0")/.."
repo=$(pwd)
deno=$repo/node_modules/.bin/deno
meta=packaging/debian

# 1. The version: the changelog's, whose upstream part must be deno.json's
# and src/version.ts's (what askpw --version prints).
version=$(dpkg-parsechangelog -l "$meta/changelog" -S Version)
upstream=${version%-*}
json_version=$("$deno" eval --quiet \
  'console.log(JSON.parse(Deno.readTextFileSync("deno.json")).version)')
ts_version=$(sed -n 's/^export const VERSION = "\(.*\)";$/\1/p' src/version.ts)
if [ "$upstream" != "$json_version" ] || [ "$upstream" != "$ts_version" ]; then
  echo "deb: versions disagree: changelog $version, deno.json $json_version," \
    "src/version.ts $ts_version" >&2
  exit 1
fi
# The last commit's time; outside a git checkout, the changelog entry's (as
# dpkg-buildpackage would take it).
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null) ||
    SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$meta/changelog" -S Timestamp)
fi
export SOURCE_DATE_EPOCH
deno_version=$("$deno" eval --quiet \
  'console.log(JSON.parse(Deno.readTextFileSync("node_modules/deno/package.json")).version)')
deno_copyright=$(sed -n 's/^Copyright \(.*\)$/\1/p' node_modules/deno/LICENSE)

# 2. The tree, laid out as debhelper would (debian/askpw under a scratch
# directory), so that dpkg-shlibdeps finds the package it analyses.
umask 022
work=$(mktemp -d "${TMPDIR:-/tmp}/askpw-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
pkg=$work/debian/askpw
sh tools/install.sh $compiled "$pkg" >/dev/null

modules=$pkg/usr/lib/dracut/modules.d/90askpw
mkdir -p "$modules" "$pkg/usr/lib/dracut/dracut.conf.d"
for file in dracut-module/90askpw/*; do
  # Scripts (module-setup.sh) executable, everything else (units) not.
  mode=0644
  [ "$(head -c 2 "$file")" = "#!" ] && mode=0755
  install -m "$mode" "$file" "$modules/"
done
install -m 0644 dracut-module/askpw.conf "$pkg/usr/lib/dracut/dracut.conf.d/90-askpw.conf"

# The running system's units: askpw in place of systemd's console and
# Plymouth agents (which a drop-in keeps for when askpw is off or failed),
# each user's agent, and the presets that enable them.
systemd=$pkg/usr/lib/systemd
mkdir -p "$systemd/system" "$systemd/user" "$systemd/system-preset" "$systemd/user-preset"
install -m 0644 packaging/systemd/system/askpw-* "$systemd/system/"
for unit in systemd-ask-password-console.path systemd-ask-password-console.service \
  systemd-ask-password-plymouth.path systemd-ask-password-plymouth.service; do
  mkdir -p "$systemd/system/$unit.d"
  install -m 0644 packaging/systemd/system/stock-agent-when-askpw-is-off.conf \
    "$systemd/system/$unit.d/90-askpw.conf"
done
install -m 0644 packaging/systemd/user/askpw-* "$systemd/user/"
install -m 0644 packaging/systemd/system-preset/80-askpw.preset "$systemd/system-preset/"
install -m 0644 packaging/systemd/user-preset/80-askpw.preset "$systemd/user-preset/"

mkdir -p "$pkg/usr/share/man/man8" "$pkg/usr/share/doc/askpw"
"$deno" run --quiet --no-lock --allow-ffi --allow-env=SOURCE_DATE_EPOCH tools/man_page.ts \
  >"$work/askpw.8"
gzip -9n <"$work/askpw.8" >"$pkg/usr/share/man/man8/askpw.8.gz"
gzip -9n <"$meta/changelog" >"$pkg/usr/share/doc/askpw/changelog.Debian.gz"
sed -e '/^#/d' -e "s/@DENO_VERSION@/$deno_version/g" -e "s/@DENO_COPYRIGHT@/$deno_copyright/g" \
  "$meta/copyright" >"$pkg/usr/share/doc/askpw/copyright"
mkdir -p "$pkg/usr/share/lintian/overrides"
runtime=deno
[ -n "$compiled" ] && runtime=askpw
sed "s/@RUNTIME@/$runtime/g" "$meta/lintian-overrides" >"$pkg/usr/share/lintian/overrides/askpw"
chmod 0644 "$pkg/usr/share/man/man8/askpw.8.gz" "$pkg/usr/share/doc/askpw/"* \
  "$pkg/usr/share/lintian/overrides/askpw"

# 3. Dependencies of the ELF files, from the libraries' symbols files.
# --warnings=0: Deno's prebuilt runtime links librt, libpthread and libdl
# without using them, which dpkg-shlibdeps would point out; nothing to fix here.
# (It recognises the package's directory by its DEBIAN directory.)
printf 'Source: askpw\n\nPackage: askpw\nArchitecture: amd64\n' >"$work/debian/control"
mkdir -p "$pkg/DEBIAN"
elves=$(find "$pkg" -type f -exec sh -c 'head -c 4 "$1" | grep -q ELF' sh {} \; -print |
  sed "s|^$work/||")
shlibs=$(cd "$work" && dpkg-shlibdeps --warnings=0 -O $elves | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

# 4. Modes, times, sums, control files.
find "$pkg" -type d -exec chmod 0755 {} +
find "$pkg" -type f -exec chmod go-w,u+rw,a+r {} +
# KiB as dpkg-gencontrol counts them: each file rounded up, 1 for anything else.
installed_size=$(find "$pkg" -mindepth 1 -path "$pkg/DEBIAN" -prune -o -printf '%y %s\n' |
  awk '$1 == "f" { kib += int(($2 + 1023) / 1024); next } { kib += 1 } END { print kib }')
(cd "$pkg" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) \
  >"$pkg/DEBIAN/md5sums"
sed -e '/^#/d' -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
  -e "s/@SHLIBS_DEPENDS@/$shlibs/" "$meta/control" >"$pkg/DEBIAN/control"
install -m 0644 "$meta/triggers" "$pkg/DEBIAN/triggers"
for script in postinst prerm postrm; do
  install -m 0755 "$meta/$script" "$pkg/DEBIAN/$script"
done
chmod 0644 "$pkg/DEBIAN/md5sums" "$pkg/DEBIAN/control"
find "$pkg" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# 5. The archive: root:root whoever builds it.
mkdir -p dist
deb=dist/askpw_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz -z"${ASKPW_DEB_XZ_LEVEL:-6}" --build "$pkg" "$deb" >/dev/null
echo "deb: $deb ($(wc -c <"$deb") bytes; Depends: $(dpkg-deb -f "$deb" Depends))"
