/**
 * Booting the test VM in QEMU: the host's Debian kernel, the kernel command
 * line that unlocks and mounts the root disk, QEMU's arguments, and key
 * presses sent through QEMU's monitor.
 *
 * @module
 */

import { type LuksDisk, mapperName } from "./luks_disk.ts";
import { existsSync } from "./_paths.ts";

const encoder = new TextEncoder();

/** The newest Debian kernel installed: version and vmlinuz path. */
export function debianKernel(): { version: string; vmlinuz: string } {
  const versions = [...Deno.readDirSync("/lib/modules")].map((entry) => entry.name)
    .filter((name) => name.endsWith("-amd64") && existsSync(`/boot/vmlinuz-${name}`))
    .sort();
  const version = versions.at(-1);
  if (!version) throw new Error("no Debian amd64 kernel: apt-get install linux-image-amd64");
  return { version, vmlinuz: `/boot/vmlinuz-${version}` };
}

/** Options for {@linkcode kernelCommandLine}. */
export interface KernelCommandLineOptions {
  /**
   * The volumes come from the initrd's /etc/crypttab (`crypttab` in luks_disk.ts):
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
   * this control socket (`Swtpm.forQemu` in swtpm.ts). None by default.
   */
  tpmControlSocket?: string;
  /**
   * A virtio-net card on QEMU's user network (DHCP from QEMU), the guest's
   * TCP port 22 forwarded from this port on the host's 127.0.0.1 (nowhere
   * else). No network card by default. The initrd needs the virtio_net
   * driver (`InitrdOptions.drivers` in dracut_initrd.ts).
   */
  sshHostPort?: number;
  /**
   * A virtio-net card on QEMU's user network (as for
   * {@linkcode QemuOptions.sshHostPort}, the same card when both are given)
   * on which the guest's connections to {@linkcode TANG_GUEST_URL}
   * (10.0.2.100:80) reach this port of the host's 127.0.0.1, where a Tang
   * server listens (`TangServer` in tang.ts); nothing else outside QEMU is
   * reachable. Each connection runs a `socat` on the host: QEMU 7.2's
   * `guestfwd=…-tcp:HOST:PORT` form instead opens one connection when QEMU
   * starts (QEMU refuses to start when nothing listens then) and carries
   * every guest connection over it, so a server that stops and starts
   * again, or two requests, would not work.
   */
  tangHostPort?: number;
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
    ...userNetwork(options),
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

/** Where the guest reaches the host's Tang server ({@linkcode QemuOptions.tangHostPort}). */
export const TANG_GUEST_URL = "http://10.0.2.100";

/** The user-network card's arguments for the SSH and Tang forwards asked for, if any. */
function userNetwork(options: QemuOptions): string[] {
  const forwards = [
    ...(options.sshHostPort === undefined
      ? []
      : [`hostfwd=tcp:127.0.0.1:${options.sshHostPort}-:22`]),
    ...(options.tangHostPort === undefined
      ? []
      : [`guestfwd=tcp:10.0.2.100:80-cmd:socat - TCP:127.0.0.1:${options.tangHostPort}`]),
  ];
  if (forwards.length === 0) return [];
  return [
    "-netdev",
    // restrict=on: the guest reaches nothing outside QEMU; forwards still work.
    ["user", "id=n0", "restrict=on", ...forwards].join(","),
    "-device",
    "virtio-net-pci,netdev=n0",
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
