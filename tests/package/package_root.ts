/**
 * A Debian root (bookworm, trixie or sid) with askpw's .deb installed through
 * apt-get, its own kernel (linux-image-amd64) and a dracut initrd built inside
 * it: what tests/package/deb_test.ts checks, and what a boot test can boot.
 *
 * The pristine root (debootstrap minbase, then systemd, udev, dracut and any
 * extra packages, then the kernel; no askpw) is made once per suite and
 * package set and kept under /var/cache/askpw-deb-root
 * ($ASKPW_DEB_ROOT_CACHE), beside the downloaded .debs; each caller gets a
 * copy in a directory of its own, so runs do not interfere and the cached
 * root stays pristine. The kernel comes in a second apt-get run, after
 * dracut: installed together, linux-image-amd64 pulls in initramfs-tools
 * first, and trixie's and sid's dracut then conflicts with it. sid's Release
 * file is past its Valid-Until on the mirror, so its apt runs accept that.
 *
 * Every command in a root runs in a private mount namespace (unshare) where
 * /proc, /sys, /dev and a tmpfs /run are mounted for it: when the command
 * ends, the namespace and its mounts are gone, and the copy can be deleted
 * like any directory. policy-rc.d keeps services from starting.
 *
 * Debian's dracut (059) sets no hostonly= in any configuration file, so it
 * builds generic (no-hostonly) initrds by default, also the ones its kernel
 * and trigger hooks make; the initrd made here passes --no-hostonly anyway,
 * as one made in a chroot must never depend on the machine building it.
 *
 * @module
 */
import { run } from "../../tools/vm/run.ts";

/** Where pristine roots and downloaded packages are kept. */
export const PACKAGE_ROOT_CACHE: string = Deno.env.get("ASKPW_DEB_ROOT_CACHE") ??
  "/var/cache/askpw-deb-root";

/** The Debian mirror for debootstrap and apt (the one tools/mkosi-build.sh uses). */
const MIRROR = Deno.env.get("ASKPW_DEB_MIRROR") ?? "http://deb.debian.org/debian";

/**
 * What every root gets: dracut (Debian's dracut package, which replaces
 * initramfs-tools and brings its kernel and trigger hooks), and a kernel of
 * its own; systemd and udev for dracut's systemd initrd.
 */
export const BASE_PACKAGES: readonly string[] = [
  "systemd",
  "systemd-sysv",
  "udev",
  "dracut",
];

/** The kernel, installed after everything else (see the module's text). */
const KERNEL_PACKAGES = "linux-image-amd64";

/** The Debian releases a root can be made from. */
export type Suite = "bookworm" | "trixie" | "sid";

/**
 * Makes the pristine root $1/root of suite $5 from the package list $3 (mirror
 * $2, cache $4); the kernel packages ($6) are installed after them.
 */
const PRISTINE_SCRIPT = `set -eu
dir=$1 mirror=$2 packages=$3 cache=$4 suite=$5 kernel=$6
root=$dir/root
fail() { echo "cannot build the $suite root: $1" >&2; tail -30 "$2" >&2; exit 1; }
# Another run may have made it while this one waited for the lock.
if [ -f "$dir/ready" ] && [ "$(cat "$dir/ready")" = "$packages $kernel" ]; then exit 0; fi
# --one-file-system: this namespace has nothing mounted there, but be sure.
rm -rf --one-file-system "$dir"
mkdir -p "$dir" "$cache/debootstrap-$suite" "$cache/archives/partial"
debootstrap --variant=minbase --cache-dir="$cache/debootstrap-$suite" "$suite" "$root" \\
  "$mirror" >"$dir/debootstrap.log" 2>&1 ||
  fail "debootstrap $suite failed" "$dir/debootstrap.log"
case $suite in
sid) echo "deb $mirror sid main" >"$root/etc/apt/sources.list" ;;
*) cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb \${mirror%/debian}/debian-security $suite-security main
EOF
  ;;
esac
rm -f "$root/etc/apt/sources.list.d/debian.sources"
echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99askpw-test-valid-until"
# No service starts in the root (invoke-rc.d and deb-systemd-invoke ask this).
printf '#!/bin/sh\\nexit 101\\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
# rm first: through a symlink left in the root, cp would write to the host.
rm -f "$root/etc/resolv.conf"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/run"
# The downloaded packages stay in the cache, outside the root.
mount --bind "$cache/archives" "$root/var/cache/apt/archives"
in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \\
    DEBIAN_FRONTEND=noninteractive sh -c "$1"
}
in_root "apt-get update -q" >"$dir/apt.log" 2>&1 || fail "apt-get update failed" "$dir/apt.log"
for package in $packages $kernel; do
  [ -n "$(in_root "apt-cache show --no-all-versions $package" 2>/dev/null)" ] ||
    { echo "cannot build the $suite root: $suite has no package $package" >&2; exit 1; }
done
in_root "apt-get install -y -q --no-install-recommends $packages" >>"$dir/apt.log" 2>&1 ||
  fail "apt-get install $packages failed" "$dir/apt.log"
in_root "apt-get install -y -q --no-install-recommends $kernel" >>"$dir/apt.log" 2>&1 ||
  fail "apt-get install $kernel failed" "$dir/apt.log"
echo "$packages $kernel" >"$dir/ready"
`;

/** Runs $2 with sh in the root $1, with /proc, /sys, /dev and /run mounted. */
const IN_ROOT_SCRIPT = `set -eu
root=$1
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/run"
exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \\
  DEBIAN_FRONTEND=noninteractive sh -c "$2"
`;

/**
 * Runs a shell script inside a root (as chroot, in a private mount namespace
 * that takes its mounts along when it ends).
 *
 * @example Usage
 * ```ts
 * import { inRoot } from "./package_root.ts";
 * const release = await inRoot("/var/tmp/root", "cat /etc/debian_version");
 * ```
 * @param root The root directory.
 * @param script The sh script to run there.
 * @returns Its standard output.
 * @throws {Error} When the script fails, with its output.
 */
export async function inRoot(root: string, script: string): Promise<string> {
  return await run("unshare", [
    "--mount",
    "--propagation",
    "private",
    "sh",
    "-c",
    IN_ROOT_SCRIPT,
    "sh",
    root,
    script,
  ]);
}

/**
 * The cached pristine root for a package set: made on first use (about two
 * minutes: debootstrap, then the packages), reused afterwards. Callers must
 * copy it before changing anything ({@linkcode preparePackageRoot} does).
 *
 * @example Usage
 * ```ts
 * import { pristineRoot } from "./package_root.ts";
 * const root = await pristineRoot(["cryptsetup"]);
 * ```
 * @param extraPackages Debian packages to install beside {@linkcode BASE_PACKAGES}.
 * @param suite The Debian release (default bookworm).
 * @returns The root directory (inside {@linkcode PACKAGE_ROOT_CACHE}).
 * @throws {Error} When the root cannot be built: the first line names the
 *   suite and the package or step that failed.
 */
export async function pristineRoot(
  extraPackages: readonly string[] = [],
  suite: Suite = "bookworm",
): Promise<string> {
  const packages = [...new Set([...BASE_PACKAGES, ...extraPackages])].sort().join(" ");
  const digest = new Uint8Array(
    await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(`${packages} ${KERNEL_PACKAGES}`),
    ),
  );
  const key = [...digest.slice(0, 6)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  const dir = `${PACKAGE_ROOT_CACHE}/${suite}-${key}`;
  await Deno.mkdir(PACKAGE_ROOT_CACHE, { recursive: true });
  // flock: concurrent runs wait for one another instead of building the same
  // root twice; the private namespace drops the build's mounts however it ends.
  try {
    await run("flock", [
      `${PACKAGE_ROOT_CACHE}/.lock`,
      "unshare",
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      PRISTINE_SCRIPT,
      "sh",
      dir,
      MIRROR,
      packages,
      PACKAGE_ROOT_CACHE,
      suite,
      KERNEL_PACKAGES,
    ]);
  } catch (error) {
    // The script's own line first (not the script itself), then the log's tail.
    const message = (error as Error).message;
    const start = message.search(/^cannot build the /m);
    throw new Error(start < 0 ? message : message.slice(start).trimEnd());
  }
  return `${dir}/root`;
}

/** The kernel installed in a root. */
export interface RootKernel {
  /** Its version, e.g. 6.1.0-41-amd64 (the newest when there are several). */
  kernelVersion: string;
  /** Its image, /boot/vmlinuz-VERSION, as a path on the host. */
  vmlinuz: string;
}

/**
 * The newest Debian kernel installed in a root.
 *
 * @example Usage
 * ```ts
 * import { rootKernel } from "./package_root.ts";
 * const { kernelVersion, vmlinuz } = rootKernel("/var/tmp/root");
 * ```
 * @param root The root directory.
 * @returns Its version and image path.
 * @throws {Error} When the root has no kernel.
 */
export function rootKernel(root: string): RootKernel {
  const versions = [...Deno.readDirSync(`${root}/usr/lib/modules`)].map((entry) => entry.name)
    .filter((name) => {
      try {
        return Deno.statSync(`${root}/boot/vmlinuz-${name}`).isFile;
      } catch {
        return false;
      }
    })
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const kernelVersion = versions.at(-1);
  if (!kernelVersion) throw new Error(`no kernel in ${root}/boot`);
  return { kernelVersion, vmlinuz: `${root}/boot/vmlinuz-${kernelVersion}` };
}

/** What {@linkcode preparePackageRoot} is to make. */
export interface PackageRootOptions {
  /** The askpw .deb to install. */
  deb: string;
  /** An empty directory of the caller's: the root becomes DIRECTORY/root. */
  directory: string;
  /** Debian packages to have in the root as well (e.g. cryptsetup); cached with the root. */
  extraPackages?: readonly string[];
  /**
   * Debian packages installed by the same `apt-get install` as the .deb, the
   * way an admin adds what the package suggests (e.g. squashfs-tools, which
   * the dracut module's default runtime packing needs); not cached.
   */
  installWith?: readonly string[];
  /** The Debian release (default bookworm). */
  suite?: Suite;
  /** More arguments for dracut (e.g. ["--add", "crypt"]). */
  dracutArgs?: readonly string[];
  /**
   * Host directories of test-only dracut modules (e.g. tests/boot/dracut/99askpw-e2e)
   * to copy into the root's /usr/lib/dracut/modules.d before dracut runs;
   * they are included only when dracutArgs add them.
   */
  dracutModules?: readonly string[];
}

/** A root with askpw installed and a fresh initrd. */
export interface PackageRoot extends RootKernel {
  /** The root directory (DIRECTORY/root). */
  root: string;
  /** The initrd dracut made in the root, /boot/initrd-test.img, as a path on the host. */
  initrd: string;
  /** What apt-get printed while installing the package. */
  installOutput: string;
}

/**
 * Copies the pristine root into the caller's directory, installs the .deb
 * there with `apt-get install ./askpw_….deb`, and runs the root's own dracut
 * for its own kernel, with no `--add askpw`: the package's dracut.conf.d
 * snippet brings the module in.
 *
 * @example Usage
 * ```ts
 * import { preparePackageRoot } from "./package_root.ts";
 * const { root, kernelVersion, vmlinuz, initrd } = await preparePackageRoot({
 *   deb: "dist/askpw_0.1.0-1_amd64.deb",
 *   directory: await Deno.makeTempDir({ dir: "/var/tmp" }),
 *   extraPackages: ["cryptsetup"],
 *   dracutArgs: ["--add", "crypt"],
 * });
 * ```
 * @param options The .deb, the directory, extra packages and dracut arguments.
 * @returns The root, its kernel and the initrd.
 */
export async function preparePackageRoot(options: PackageRootOptions): Promise<PackageRoot> {
  const pristine = await pristineRoot(options.extraPackages, options.suite);
  const root = `${options.directory}/root`;
  await run("cp", ["-a", "--reflink=auto", pristine, root]);
  const name = options.deb.slice(options.deb.lastIndexOf("/") + 1);
  await Deno.copyFile(options.deb, `${root}/tmp/${name}`);
  // INITRD=No: askpw's trigger still reaches dracut's package, but Debian's
  // kernel hook then skips rebuilding /boot/initrd.img-*, which nobody here
  // boots; dracut builds the initrd that counts just below.
  const installOutput = await inRoot(
    root,
    `cd /tmp && INITRD=No apt-get install -y -q ./${name} ${
      (options.installWith ?? []).join(" ")
    } && rm ./${name}`,
  );
  for (const module of options.dracutModules ?? []) {
    const name = module.replace(/\/+$/, "").split("/").at(-1)!;
    await run("cp", ["-r", module, `${root}/usr/lib/dracut/modules.d/${name}`]);
  }
  const kernel = rootKernel(root);
  await buildRootInitrd(root, kernel.kernelVersion, options.dracutArgs);
  return { root, ...kernel, initrd: `${root}/boot/initrd-test.img`, installOutput };
}

/**
 * Runs the root's dracut: `dracut -f --no-hostonly --kver VERSION
 * /boot/initrd-test.img` plus the extra arguments.
 *
 * @example Usage
 * ```ts
 * import { buildRootInitrd } from "./package_root.ts";
 * await buildRootInitrd("/var/tmp/root", "6.1.0-41-amd64");
 * ```
 * @param root The root directory.
 * @param kernelVersion The kernel to build for.
 * @param dracutArgs More arguments for dracut.
 * @returns The initrd's path inside the root (/boot/initrd-test.img).
 */
export async function buildRootInitrd(
  root: string,
  kernelVersion: string,
  dracutArgs: readonly string[] = [],
): Promise<string> {
  const quoted = [...dracutArgs].map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(" ");
  await inRoot(
    root,
    `dracut -q -f --no-hostonly --kver '${kernelVersion}' ${quoted} /boot/initrd-test.img`,
  );
  return "/boot/initrd-test.img";
}
