/**
 * Builds and boots the test VM: a Debian kernel, LUKS2 disks, and a dracut
 * initrd with (or without) askpw. Used by the boot tests and the demo.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Runs a command, throwing with its output when it fails. */
export async function run(
  program: string,
  args: string[],
  options: { stdin?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const child = new Deno.Command(program, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(encoder.encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const output = decoder.decode(stdout) + decoder.decode(stderr);
  if (code !== 0) throw new Error(`${program} ${args.join(" ")} failed (${code}):\n${output}`);
  return decoder.decode(stdout);
}

/** The newest Debian kernel installed: version and vmlinuz path. */
export function debianKernel(): { version: string; vmlinuz: string } {
  const versions = [...Deno.readDirSync("/lib/modules")].map((entry) => entry.name)
    .filter((name) => name.endsWith("-amd64") && existsSync(`/boot/vmlinuz-${name}`))
    .sort();
  const version = versions.at(-1);
  if (!version) throw new Error("no Debian amd64 kernel: apt-get install linux-image-amd64");
  return { version, vmlinuz: `/boot/vmlinuz-${version}` };
}

/** A LUKS2 disk image. */
export interface LuksDisk {
  /** Image path. */
  path: string;
  /** LUKS UUID (for rd.luks.uuid=). */
  uuid: string;
  /** Text of marker.txt on its ext4 file system; empty for a header-only disk. */
  marker: string;
}

/** Options for {@linkcode buildLuksDisk}. */
export interface LuksDiskOptions {
  /**
   * Only a LUKS2 header (256 KiB keyslot area) on a 2 MiB image whose 1 MiB
   * data area stays a hole: no file system, no marker. Unlocking such a disk
   * works like any other; it just holds nothing worth mounting, which is all
   * a scenario with many disks needs from most of them, at a fraction of the
   * cost (no mkfs, no user-space encryption).
   */
  headerOnly?: boolean;
  /**
   * A directory whose contents become the file system's (mkfs.ext4 -d keeps
   * owners, modes, links and device nodes), e.g. a whole root; marker.txt is
   * added beside them, the directory itself stays untouched. Needs a
   * {@linkcode LuksDiskOptions.sizeMiB} large enough to hold it.
   */
  contents?: string;
  /**
   * The image's size in MiB, LUKS2 header (16 MiB) included; 48 by default
   * (a header-only disk is always 2 MiB).
   */
  sizeMiB?: number;
}

/**
 * Creates a LUKS2 image (fast PBKDF2) holding an ext4 file system with a
 * marker.txt, without device-mapper: the file system is built with mkfs -d
 * and encrypted in user space with a known volume key. With
 * `options.headerOnly`, only the LUKS2 header is written.
 */
export async function buildLuksDisk(
  dir: string,
  name: string,
  passphrase: string,
  cipher: "aes-xts-plain64" | "aes-cbc-plain64" = "aes-xts-plain64",
  options: LuksDiskOptions = {},
): Promise<LuksDisk> {
  const path = `${dir}/${name}.img`;
  // aes-cbc-plain64 needs no crypto module beyond the kernel's built-ins.
  const keyBytes = cipher === "aes-xts-plain64" ? 64 : 32;
  const format = [
    "luksFormat",
    "--batch-mode",
    "--type",
    "luks2",
    "--cipher",
    cipher,
    "--key-size",
    String(keyBytes * 8),
    "--sector-size",
    "512",
    "--pbkdf",
    "pbkdf2",
    "--pbkdf-force-iterations",
    "1000",
  ];
  if (options.headerOnly) {
    // Choosing the UUID saves a luksUUID run per disk.
    const uuid = crypto.randomUUID();
    await run("truncate", ["-s", "2M", path]);
    // luksFormat zeroes the whole metadata and keyslot area (16 MiB by
    // default): shrunk to what one keyslot's 4000 anti-forensic stripes of
    // a 512-bit key need, the data area can start at 1 MiB.
    await run("cryptsetup", [
      ...format,
      "--uuid",
      uuid,
      "--luks2-metadata-size",
      "16k",
      "--luks2-keyslots-size",
      "256k",
      "--offset",
      "2048",
      path,
      "-",
    ], { stdin: passphrase });
    return { path, uuid, marker: "" };
  }
  const key = `${dir}/${name}.key`;
  const plain = `${dir}/${name}.plain`;
  const content = `${dir}/${name}.root`;
  const marker = `MARKER-${name}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(content, { recursive: true });
  await Deno.writeTextFile(`${content}/marker.txt`, `${marker}\n`);
  await Deno.writeFile(key, crypto.getRandomValues(new Uint8Array(keyBytes)));
  await run("truncate", ["-s", `${options.sizeMiB ?? 48}M`, path]);
  await run("cryptsetup", [...format, "--volume-key-file", key, path, "-"], {
    stdin: passphrase,
  });
  const dump = await run("cryptsetup", ["luksDump", path]);
  const offset = Number(/offset:\s+(\d+)/.exec(dump)![1]);
  await run("truncate", ["-s", String((await Deno.stat(path)).size - offset), plain]);
  await run("mkfs.ext4", ["-q", "-F", "-L", name, "-d", options.contents ?? content, plain]);
  if (options.contents !== undefined) {
    // The caller's directory stays as it is: the marker goes in afterwards.
    await run("debugfs", ["-w", "-R", `write ${content}/marker.txt marker.txt`, plain]);
  }
  await run("node", [`${ROOT}tools/vm/luks-fill.mjs`, path, plain, key, String(offset)]);
  await Deno.remove(plain);
  await Deno.remove(content, { recursive: true });
  const uuid = (await run("cryptsetup", ["luksUUID", path])).trim();
  return { path, uuid, marker };
}

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
  ], { env: { ...options.env, dracutbasedir: base, ASKPW_ROOT: tree } });
  return { path, size: (await Deno.stat(path)).size };
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
 * @returns The archive's path.
 */
export async function buildModulesArchive(
  dir: string,
  kernel?: { version: string; modulesRoot: string },
): Promise<string> {
  const version = kernel?.version ?? debianKernel().version;
  // modprobe -d prints the paths with the root in front; the tree gets them without.
  const root = kernel?.modulesRoot.replace(/\/+$/, "") ?? "";
  const tree = `${dir}/modules-tree`;
  const files = new Set<string>();
  for (const module of DRIVERS.split(" ")) {
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
 * The device-mapper name a disk is unlocked as: systemd's default for
 * rd.luks.uuid=, and the name {@linkcode crypttab} gives it.
 */
export function mapperName(disk: LuksDisk): string {
  return `luks-${disk.uuid}`;
}

/**
 * An /etc/crypttab for the initrd that unlocks `disks` with a typed
 * passphrase (no key file), each as {@linkcode mapperName}.
 */
export function crypttab(disks: LuksDisk[]): string {
  return disks.map((disk) => `${mapperName(disk)} UUID=${disk.uuid} none luks\n`).join("");
}

/** Options for {@linkcode kernelCommandLine}. */
export interface KernelCommandLineOptions {
  /**
   * The volumes come from the initrd's /etc/crypttab ({@linkcode crypttab}):
   * no rd.luks.uuid= at all, since systemd-cryptsetup-generator activates
   * only the crypttab entries whose UUIDs are listed once any is given.
   */
  crypttab?: boolean;
}

/** The kernel command line that unlocks `root` (and `others`) and mounts it. */
export function kernelCommandLine(
  root: LuksDisk,
  others: LuksDisk[] = [],
  extra: string[] = [],
  options: KernelCommandLineOptions = {},
): string {
  const volumes = options.crypttab ? [] : [root, ...others];
  return [
    "console=ttyS0",
    ...volumes.map((disk) => `rd.luks.uuid=${disk.uuid}`),
    `root=/dev/mapper/${mapperName(root)}`,
    "rootfstype=ext4",
    "rd.shell=0",
    "rd.emergency=poweroff",
    "panic=-1",
    ...extra,
  ].join(" ");
}

/** Options for {@linkcode qemuArguments}. */
export interface QemuOptions {
  /**
   * How the disks are attached: one virtio-blk PCI device each (the
   * default), or as SCSI disks on one virtio-scsi controller, as a server
   * with many disks would have them (a PCI bus has 32 slots, a virtio-scsi
   * controller 256 targets).
   */
  bus?: "virtio-blk" | "virtio-scsi";
  /**
   * A TPM 2.0 on the ISA bus (tpm-tis), emulated by the swtpm listening on
   * this control socket ({@linkcode Swtpm.forQemu}). None by default.
   */
  tpmControlSocket?: string;
  /**
   * A virtio-net card on QEMU's user network (DHCP from QEMU), the guest's
   * TCP port 22 forwarded from this port on the host's 127.0.0.1 (nowhere
   * else). No network card by default. The initrd needs the virtio_net
   * driver ({@linkcode InitrdOptions.drivers}).
   */
  sshHostPort?: number;
  /** The kernel image to boot (default: the host's Debian kernel, {@linkcode debianKernel}). */
  kernel?: string;
  /**
   * QEMU's human monitor on this Unix socket, for {@linkcode sendKeys}
   * (keys pressed on the emulated PS/2 keyboard, which types on VT 1).
   */
  monitorSocket?: string;
  /** What the PC speaker plays, recorded into this WAV file (KDMKTONE's tones). */
  speakerWav?: string;
}

/** qemu's command line for an initrd boot on the serial console (TCG: KVM cannot run stock kernels here). */
export function qemuArguments(
  initrd: string,
  disks: LuksDisk[],
  append: string,
  options: QemuOptions = {},
): string[] {
  const drives = options.bus === "virtio-scsi"
    ? [
      "-device",
      "virtio-scsi-pci,id=scsi0",
      ...disks.flatMap((disk, index) => [
        "-drive",
        `file=${disk.path},if=none,id=d${index},format=raw,snapshot=on`,
        "-device",
        `scsi-hd,drive=d${index},bus=scsi0.0,scsi-id=${index},lun=0`,
      ]),
    ]
    : disks.flatMap((disk) => ["-drive", `file=${disk.path},format=raw,if=virtio,snapshot=on`]);
  return [
    "-accel",
    "tcg,thread=multi",
    "-cpu",
    "max",
    "-m",
    "1024",
    "-smp",
    "2",
    "-nographic",
    "-no-reboot",
    "-kernel",
    options.kernel ?? debianKernel().vmlinuz,
    "-initrd",
    initrd,
    ...drives,
    ...(options.tpmControlSocket === undefined ? [] : [
      "-chardev",
      `socket,id=chrtpm,path=${options.tpmControlSocket}`,
      "-tpmdev",
      "emulator,id=tpm0,chardev=chrtpm",
      "-device",
      "tpm-tis,tpmdev=tpm0",
    ]),
    ...(options.sshHostPort === undefined ? [] : [
      "-netdev",
      // restrict=on: the guest reaches nothing outside QEMU; forwards still work.
      `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${options.sshHostPort}-:22`,
      "-device",
      "virtio-net-pci,netdev=n0",
    ]),
    ...(options.monitorSocket === undefined
      ? []
      : ["-monitor", `unix:${options.monitorSocket},server=on,wait=off`]),
    ...(options.speakerWav === undefined ? [] : [
      "-audiodev",
      `wav,id=speaker,path=${options.speakerWav}`,
      "-machine",
      "pcspk-audiodev=speaker",
    ]),
    "-append",
    append,
  ];
}

/**
 * Presses keys on the VM's keyboard through QEMU's human monitor
 * ({@linkcode QemuOptions.monitorSocket}), one `sendkey` each, in order
 * (QEMU's key names: `a`, `shift-a`, `bracket_left`, `caps_lock`, `ctrl-r`, `ret`).
 */
export async function sendKeys(monitorSocket: string, keys: string[]): Promise<void> {
  const connection = await Deno.connect({ transport: "unix", path: monitorSocket });
  try {
    for (const key of keys) {
      await connection.write(encoder.encode(`sendkey ${key}\n`));
      // A key press is 100 ms long in QEMU; let each one end before the next.
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  } finally {
    try {
      connection.close();
    } catch {
      // already closed
    }
  }
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b(\[[0-9;?]*[A-Za-z]|[78])|\r/g;

/**
 * The report lines (`E2E: …`, `E2E-LOG: …`, …) in a boot's console output,
 * without terminal sequences. Other output (askpw's countdown rewriting the
 * line above its prompt) may share a line with a report line: its text
 * starts at "E2E…: ".
 */
export function reportLines(output: string): string {
  return output.split("\n").map((line) => line.replace(ANSI, ""))
    .flatMap((line) => {
      const start = line.search(/E2E[A-Z-]*: /);
      return start < 0 ? [] : [line.slice(start).trimEnd()];
    }).join("\n");
}

/** The files an initrd holds (paths without the leading "/"), as lsinitrd lists them. */
export async function initrdFiles(initrd: string): Promise<string[]> {
  // lsinitrd skips the early microcode archive dracut puts in front.
  const listing = await run("lsinitrd", [initrd]);
  return [...listing.matchAll(/^[-dlcbps][rwxsStT-]{9}\s.*? (\S+?)(?: -> \S+)?$/gm)]
    .map((match) => match[1]);
}

/**
 * A software TPM 2.0 (swtpm) over one state directory, run as a child
 * process (never --daemon, so that it is known by its own PID and stopped
 * by it). Start it {@linkcode Swtpm.forHost} for the host's TPM tools, or
 * {@linkcode Swtpm.forQemu} for a VM; only one swtpm may use a state
 * directory at a time (swtpm locks it), so stop the one before starting the
 * next.
 */
export class Swtpm implements AsyncDisposable {
  #child: Deno.ChildProcess;
  #socket: string;

  private constructor(child: Deno.ChildProcess, socket: string) {
    this.#child = child;
    this.#socket = socket;
  }

  /**
   * Starts swtpm on `stateDir` for host tools, already initialised and
   * started up (TPM2_Startup), its sockets in `socketDir`.
   *
   * @throws Error when swtpm exits or its socket does not appear in 30 s.
   */
  static forHost(stateDir: string, socketDir: string): Promise<Swtpm> {
    const socket = `${socketDir}/swtpm.sock`;
    return Swtpm.#start(
      [
        "--server",
        `type=unixio,path=${socket}`,
        // libtss2-tcti-swtpm finds the control channel at <path>.ctrl.
        "--ctrl",
        `type=unixio,path=${socket}.ctrl`,
        "--flags",
        "not-need-init,startup-clear",
      ],
      stateDir,
      socket,
      `${socketDir}/swtpm-host.log`,
    );
  }

  /**
   * Starts swtpm on `stateDir` for one QEMU run: QEMU connects to its
   * control socket (pass {@linkcode Swtpm.controlSocket} as
   * {@linkcode QemuOptions.tpmControlSocket}), initialises it, and the
   * guest's firmware starts it up. swtpm ends when QEMU disconnects.
   *
   * @throws Error when swtpm exits or its socket does not appear in 30 s.
   */
  static forQemu(stateDir: string, socketDir: string): Promise<Swtpm> {
    const socket = `${socketDir}/swtpm-qemu.ctrl`;
    return Swtpm.#start(
      ["--ctrl", `type=unixio,path=${socket}`, "--terminate"],
      stateDir,
      socket,
      `${socketDir}/swtpm-qemu.log`,
    );
  }

  static async #start(
    args: string[],
    stateDir: string,
    socket: string,
    logPath: string,
  ): Promise<Swtpm> {
    await Deno.mkdir(stateDir, { recursive: true });
    await Deno.remove(socket).catch(() => {});
    const child = new Deno.Command("swtpm", {
      args: [
        "socket",
        "--tpm2",
        "--tpmstate",
        `dir=${stateDir}`,
        "--log",
        `file=${logPath},level=2`,
        ...args,
      ],
      // Its messages go to the --log file, beside its sockets.
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const tpm = new Swtpm(child, socket);
    let exited: Deno.CommandStatus | undefined;
    child.status.then((status) => exited = status);
    const deadline = performance.now() + 30_000;
    // swtpm listens once its socket file exists; nothing else announces it.
    while (!existsSync(socket)) {
      if (exited || performance.now() > deadline) {
        const status = exited;
        await tpm.stop();
        const log = await Deno.readTextFile(logPath).catch(() => "(no log)");
        throw new Error(
          `swtpm ${status ? `exited (${status.code})` : "did not listen within 30 s"} on ` +
            `${stateDir}: ${log}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return tpm;
  }

  /** The TCTI host tools reach it through (`-T`, `--tpm2-device=`): `swtpm:path=…`. */
  get tcti(): string {
    return `swtpm:path=${this.#socket}`;
  }

  /** The control socket QEMU connects to (for {@linkcode Swtpm.forQemu}). */
  get controlSocket(): string {
    return this.#socket;
  }

  /**
   * Stops swtpm (SIGTERM: it saves its state) and waits for it to exit, so
   * that the next swtpm can take the state directory.
   */
  async stop(): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    return await this.#child.status;
  }

  /** Stops swtpm if it still runs. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * Raises swtpm's dictionary-attack limits (100 failures, no lockout time),
 * so that the wrong PINs a test types cannot lock the TPM: swtpm's default
 * is a 1000 s lockout after 3 failures. The setting stays in the state
 * directory.
 */
export async function relaxDictionaryAttackLimits(tpm: Swtpm): Promise<void> {
  await run("tpm2_dictionarylockout", [
    "-T",
    tpm.tcti,
    "--setup-parameters",
    "--max-tries=100",
    "--recovery-time=0",
    "--lockout-recovery-time=0",
  ]);
}

/**
 * Enrols `disk` with a TPM2 key sealed by `tpm` and protected by `pin`
 * (systemd-cryptenroll --tpm2-with-pin=yes), bound to no PCR: what QEMU's
 * firmware measures does not matter. `passphrase` unlocks the existing slot.
 */
export async function enrollTpm2WithPin(
  disk: LuksDisk,
  passphrase: string,
  tpm: Swtpm,
  pin: string,
): Promise<void> {
  await run("systemd-cryptenroll", [
    `--tpm2-device=${tpm.tcti}`,
    "--tpm2-with-pin=yes",
    "--tpm2-pcrs=",
    disk.path,
  ], { env: { PASSWORD: passphrase, NEWPIN: pin } });
}

/** Options for {@linkcode enrollRecoveryKey}. */
export interface RecoveryKeyOptions {
  /**
   * Wipe the passphrase's key slot afterwards, so that the recovery key is
   * the only way in (systemd-cryptsetup then asks for a "recovery key", not
   * a "passphrase or recovery key").
   */
  wipePassphrase?: boolean;
}

/**
 * Enrols a recovery key on `disk` (systemd-cryptenroll --recovery-key);
 * `passphrase` unlocks the existing slot.
 *
 * @returns The recovery key: systemd-cryptenroll prints it alone on stdout
 * (the explanation and the QR code go to stderr).
 * @throws Error when the output holds no recovery key.
 */
export async function enrollRecoveryKey(
  disk: LuksDisk,
  passphrase: string,
  options: RecoveryKeyOptions = {},
): Promise<string> {
  const printed = await run("systemd-cryptenroll", ["--recovery-key", disk.path], {
    env: { PASSWORD: passphrase },
  });
  // Eight groups of eight "modhex" characters.
  const key = /^[cbdefghijklnrtuv]{8}(?:-[cbdefghijklnrtuv]{8}){7}$/m.exec(printed)?.[0];
  if (!key) throw new Error(`no recovery key in systemd-cryptenroll's output: ${printed}`);
  if (options.wipePassphrase) {
    // Wiping needs no unlock.
    await run("systemd-cryptenroll", ["--wipe-slot=password", disk.path]);
  }
  return key;
}

const KERNEL_PANIC = "Kernel panic - not syncing";

/**
 * The guest's kernel panicked ({@linkcode SerialSession.waitFor} throws it at
 * once): under TCG, sid's kernel 7.2 has been seen to oops in the scheduler
 * in its first second (once in some hundred boots), before any userspace.
 */
export class GuestKernelPanic extends Error {
  /** @param message What was awaited, and the console around the panic. */
  constructor(message: string) {
    super(message);
    this.name = "GuestKernelPanic";
  }
}

/** A booting VM whose serial console the caller reads and types into. */
export class SerialSession implements AsyncDisposable {
  /** Everything the console printed so far. */
  output = "";
  /** Seconds since start at which named events happened. */
  readonly events = new Map<string, number>();
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #started = performance.now();
  #reading: Promise<void>;
  #log: Deno.FsFile | undefined;

  /** Starts qemu with `args`; the console goes to `logPath` (and stdout when `echo`) as well. */
  constructor(args: string[], logPath?: string, echo = false) {
    const child = new Deno.Command("qemu-system-x86_64", {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#log = logPath
      ? Deno.openSync(logPath, { write: true, create: true, truncate: true })
      : undefined;
    this.#reading = (async () => {
      const streams = [child.stdout, child.stderr];
      await Promise.all(streams.map(async (stream) => {
        for await (const chunk of stream) {
          this.#log?.writeSync(chunk);
          if (echo) Deno.stdout.writeSync(chunk);
          this.output += decoder.decode(chunk, { stream: true });
        }
      }));
    })();
  }

  /** Seconds since qemu started. */
  get elapsed(): number {
    return (performance.now() - this.#started) / 1000;
  }

  /**
   * Waits for `pattern` in the output after `from`; returns the index just past
   * the match. Throws {@linkcode GuestKernelPanic} as soon as the guest panics.
   */
  async waitFor(pattern: RegExp, timeoutSeconds = 300, from = 0): Promise<number> {
    const deadline = performance.now() + timeoutSeconds * 1000;
    for (;;) {
      const rest = this.output.slice(from);
      const match = pattern.exec(rest);
      if (match) return from + match.index + match[0].length;
      // A guest kernel that panicked never prints the pattern: say so at once.
      const panic = this.output.indexOf(KERNEL_PANIC);
      if (panic >= 0) {
        throw new GuestKernelPanic(
          `the guest kernel panicked while waiting for ${pattern}:\n${
            this.output.slice(Math.max(0, panic - 2500), panic + 200)
          }`,
        );
      }
      if (performance.now() > deadline) {
        throw new Error(
          `timed out after ${timeoutSeconds}s waiting for ${pattern}; console tail:\n${
            this.output.slice(-3000)
          }`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Records the time of `name` (first time only). */
  mark(name: string): void {
    if (!this.events.has(name)) this.events.set(name, Number(this.elapsed.toFixed(2)));
  }

  /** Types text into the serial console. */
  async type(text: string): Promise<void> {
    await this.#writer.write(encoder.encode(text));
  }

  /** Waits for qemu to exit (the guest powers off) or kills it after `timeoutSeconds`. */
  async exit(timeoutSeconds = 120): Promise<Deno.CommandStatus> {
    const timer = setTimeout(() => this.#kill(), timeoutSeconds * 1000);
    const status = await this.#child.status;
    clearTimeout(timer);
    await this.#reading;
    return status;
  }

  #kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  /** Kills qemu if it still runs. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#kill();
    await this.#child.status;
    await this.#writer.close().catch(() => {});
    await this.#reading.catch(() => {});
    this.#log?.close();
  }
}

function existsSync(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
