/**
 * dracut initrds for the test VM, with (or without) askpw and the test module
 * 99askpw-e2e; the staging of that module; a kernel modules archive for an
 * initrd that carries none; and the listing of an initrd's files.
 *
 * @module
 */

import { existsSync, ROOT } from "./_paths.ts";
import { debianKernel } from "./qemu.ts";
import { run } from "./run.ts";

/** Options for {@linkcode buildInitrd}. */
export interface InitrdOptions {
  /** Include askpw (its staged tree is built here first). */
  askpw: boolean;
  /** Include the test module 99askpw-e2e (marker, poweroff, kill switch). */
  e2e?: boolean;
  /** Extra dracut modules. */
  modules?: string[];
  /** dracut modules to leave out. */
  omit?: string[];
  /** Include Plymouth (otherwise it is left out, installed or not). */
  plymouth?: boolean;
  /**
   * Kernel modules beyond the virtio-blk, dm-crypt and ext4 set (e.g.
   * virtio_scsi and sd_mod); dracut adds their dependencies.
   */
  drivers?: string[];
  /** Programs to put into the initrd with their libraries (dracut --install). */
  install?: string[];
  /** Host files to copy into the initrd (dracut --include), e.g. an /etc/crypttab. */
  include?: { source: string; target: string }[];
  /** Extra environment for dracut and the modules (e.g. `askpw_deno_cache: "no"`). */
  env?: Record<string, string>;
  /** How dracut compresses the initrd (default zstd). */
  compression?: "zstd" | "lz4";
  /**
   * How askpw's module packs the runtime (its `askpw_runtime`): an EROFS
   * image or the files in the uncompressed early cpio, or inline in the
   * compressed image. Unset: the module's default.
   */
  runtime?: "erofs" | "squashfs" | "early-cpio" | "inline";
}

const BASE_MODULES = [
  "systemd",
  "systemd-initrd",
  "systemd-ask-password",
  "crypt",
  "dm",
  "kernel-modules",
  "rootfs-block",
  "udev-rules",
  "base",
  "fs-lib",
];
const DRIVERS = "virtio_blk virtio_pci ext4 dm_crypt";

/**
 * Copies the test module 99askpw-e2e to `target` with the bundles of
 * tests/helpers/socket_checks.ts and send_datagram.ts beside it (the socket
 * checks run inside the VM on askpw's own Deno runtime), and the Varlink
 * client when given (a root's dracut cannot reach the host's --include paths).
 */
export async function stageE2eModule(target: string, varlinkClient?: string): Promise<void> {
  await run("cp", ["-r", `${ROOT}tests/boot/dracut/99askpw-e2e`, target]);
  for (const program of ["socket_checks", "send_datagram", "vt_screen_mirror"]) {
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform=deno",
      "-o",
      `${target}/${program}.js`,
      `${ROOT}tests/helpers/${program}.ts`,
    ]);
  }
  if (varlinkClient) await run("cp", [varlinkClient, `${target}/varlink-client`]);
}

/**
 * Builds a dracut initrd (zstd unless told otherwise) in `dir`. dracut runs from a private copy of
 * its module directory that also holds askpw's module, so nothing under
 * /usr/lib/dracut changes.
 *
 * @returns The initrd path and its size in bytes.
 */
export async function buildInitrd(
  dir: string,
  name: string,
  options: InitrdOptions,
): Promise<{ path: string; size: number }> {
  const kernel = debianKernel();
  const base = `${dir}/dracut-base`;
  if (!existsSync(base)) {
    await run("cp", ["-as", "/usr/lib/dracut/.", base]);
    await run("cp", ["-r", `${ROOT}dracut-module/90askpw`, `${base}/modules.d/90askpw`]);
    await stageE2eModule(`${base}/modules.d/99askpw-e2e`);
    // The SSH test module (dropbear, systemd-networkd): only in initrds that
    // name it in `modules` ("askpw-ssh").
    await run("cp", [
      "-r",
      `${ROOT}tests/boot/dracut/98askpw-ssh`,
      `${base}/modules.d/98askpw-ssh`,
    ]);
  }
  const tree = `${dir}/askpw-tree`;
  if (options.askpw && !existsSync(`${tree}/usr/bin/askpw`)) {
    await run("sh", [`${ROOT}tools/install.sh`, tree]);
  }
  const plymouth = options.plymouth ? ["plymouth"] : [];
  const modules = [
    ...plymouth,
    ...BASE_MODULES,
    ...(options.askpw ? ["askpw"] : []),
    ...(options.e2e ? ["askpw-e2e"] : []),
    ...(options.modules ?? []),
  ];
  const path = `${dir}/${name}.img`;
  await run("dracut", [
    "--force",
    "--quiet",
    "--no-hostonly",
    "--no-hostonly-cmdline",
    "--kver",
    kernel.version,
    `--${options.compression ?? "zstd"}`,
    "-m",
    modules.join(" "),
    "--omit",
    [...(options.plymouth ? [] : ["plymouth"]), ...(options.omit ?? [])].join(" "),
    "--drivers",
    [DRIVERS, ...(options.drivers ?? [])].join(" "),
    ...(options.install ? ["--install", options.install.join(" ")] : []),
    ...(options.include ?? []).flatMap(({ source, target }) => ["--include", source, target]),
    path,
  ], {
    env: {
      ...options.env,
      ...(options.runtime ? { askpw_runtime: options.runtime } : {}),
      dracutbasedir: base,
      ASKPW_ROOT: tree,
    },
  });
  return { path, size: (await Deno.stat(path)).size };
}

/**
 * The size of an initrd's uncompressed early cpio (dracut's, in front of the
 * compressed image: early microcode, askpw's runtime with `askpw_runtime`
 * "squashfs", "erofs" or "early-cpio"), and of the files in it, by name.
 *
 * @returns Bytes: 0 and no files when the initrd has no early cpio.
 */
export async function earlyCpio(
  initrd: string,
): Promise<{ bytes: number; files: Record<string, number> }> {
  const total = (await Deno.stat(initrd)).size;
  // dracut's skipcpio prints the initrd from its first compressed archive on.
  const rest = await new Deno.Command("sh", {
    args: ["-c", `/usr/lib/dracut/skipcpio "$1" | wc -c`, "sh", initrd],
  }).output();
  const bytes = total - Number(new TextDecoder().decode(rest.stdout).trim());
  if (bytes === 0) return { bytes, files: {} };
  const listing = await run("sh", [
    "-c",
    `head -c ${bytes} "$1" | cpio --quiet -itv 2>/dev/null`,
    "sh",
    initrd,
  ]);
  const files: Record<string, number> = {};
  for (const match of listing.matchAll(/^-\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s.*? (\S+)$/gm)) {
    files[match[2]] = Number(match[1]);
  }
  return { bytes, files };
}

/**
 * Builds a zstd cpio with the Debian kernel's modules for a virtio disk,
 * dm-crypt and ext4 (and their dependencies), to append to an initrd that
 * carries none (mkosi's standalone initrd): the kernel unpacks concatenated
 * archives one after the other.
 *
 * @param dir A directory of the caller's, where the archive is made.
 * @param kernel Another kernel than the host's newest Debian one
 *   ({@linkcode debianKernel}): its version, and the root directory whose
 *   lib/modules/VERSION holds its modules (e.g. a Debian trixie root; only
 *   read). Compressed modules (.ko.xz) stay compressed.
 * @param extra More modules by name (e.g. loop and erofs for askpw's runtime image).
 * @returns The archive's path.
 */
export async function buildModulesArchive(
  dir: string,
  kernel?: { version: string; modulesRoot: string },
  extra: string[] = [],
): Promise<string> {
  const version = kernel?.version ?? debianKernel().version;
  // modprobe -d prints the paths with the root in front; the tree gets them without.
  const root = kernel?.modulesRoot.replace(/\/+$/, "") ?? "";
  const tree = `${dir}/modules-tree`;
  const files = new Set<string>();
  for (const module of [...DRIVERS.split(" "), ...extra]) {
    const shown = await run("modprobe", [
      ...(kernel ? ["-d", root || "/"] : []),
      "--show-depends",
      "-S",
      version,
      module,
    ]);
    for (const match of shown.matchAll(/^insmod (\S+)/gm)) files.add(match[1].slice(root.length));
  }
  for (const file of files) {
    await Deno.mkdir(`${tree}${file.slice(0, file.lastIndexOf("/"))}`, { recursive: true });
    await Deno.copyFile(`${root}${file}`, `${tree}${file}`);
  }
  for (const name of ["modules.order", "modules.builtin", "modules.builtin.modinfo"]) {
    await Deno.copyFile(
      `${root}/lib/modules/${version}/${name}`,
      `${tree}/lib/modules/${version}/${name}`,
    );
  }
  await run("depmod", ["-b", tree, version]);
  // The crypto API asks /sbin/modprobe for "xts(aes)", which mkosi's initrd
  // lacks: load everything at boot through systemd-modules-load instead.
  const names = [...files].map((file) =>
    file.slice(file.lastIndexOf("/") + 1).replace(/\.ko(\.xz|\.zst|\.gz)?$/, "")
  );
  await Deno.mkdir(`${tree}/usr/lib/modules-load.d`, { recursive: true });
  await Deno.writeTextFile(`${tree}/usr/lib/modules-load.d/askpw-vm.conf`, names.join("\n") + "\n");
  // The initrd's /lib is a symlink to usr/lib: the modules go to usr/lib.
  await run("sh", ["-c", `cp -a "${tree}/lib/." "${tree}/usr/lib/" && rm -rf "${tree}/lib"`]);
  const archive = `${dir}/modules.cpio.zst`;
  await run("sh", [
    "-c",
    `cd "${tree}" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc | zstd -q -19 -T0 -o "${archive}"`,
  ]);
  return archive;
}

/**
 * The files an initrd holds (paths without the leading "/"), as lsinitrd lists
 * them, plus those of its early cpio, and of askpw's runtime image there
 * ({@linkcode runtimeImageFiles}).
 */
export async function initrdFiles(initrd: string): Promise<string[]> {
  // lsinitrd skips the early microcode archive dracut puts in front.
  const listing = await run("lsinitrd", [initrd]);
  const files = [...listing.matchAll(/^[-dlcbps][rwxsStT-]{9}\s.*? (\S+?)(?: -> \S+)?$/gm)]
    .map((match) => match[1]);
  const early = await earlyCpio(initrd);
  files.push(...Object.keys(early.files), ...await runtimeImageFiles(initrd, early));
  return files;
}

/**
 * The files of askpw's runtime image (`askpw_runtime="squashfs"` or
 * `"erofs"`) in an initrd's early cpio, under its mount point usr/lib/askpw,
 * read with the host's tools (whatever dracut made the initrd).
 *
 * @param initrd The initrd.
 * @param early Its {@linkcode earlyCpio}, when the caller has it already.
 * @returns Paths without the leading "/"; none when there is no image.
 */
export async function runtimeImageFiles(
  initrd: string,
  early?: { bytes: number; files: Record<string, number> },
): Promise<string[]> {
  early ??= await earlyCpio(initrd);
  const files: string[] = [];
  for (const type of ["erofs", "squashfs"]) {
    if (!early.files[`usr/lib/askpw.${type}`]) continue;
    const dir = await Deno.makeTempDir({ prefix: `askpw-${type}-` });
    // Each prints the image's paths relative to its root, as "./PATH".
    const list = type === "erofs"
      ? `fsck.erofs --extract="$2/x" "$2/usr/lib/askpw.erofs" >/dev/null && cd "$2/x" && find . -mindepth 1`
      : `unsquashfs -l -d . "$2/usr/lib/askpw.squashfs" | grep '^\\./.'`;
    try {
      const found = await run("sh", [
        "-c",
        `head -c ${early.bytes} "$1" | (cd "$2" && cpio --quiet -id usr/lib/askpw.${type}) && ${list}`,
        "sh",
        initrd,
        dir,
      ]);
      files.push(
        ...found.split("\n").filter(Boolean).map((path) => `usr/lib/askpw/${path.slice(2)}`),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  return files;
}
