/**
 * LUKS2 disk images for the test VM, built without device-mapper, and what
 * names them: the mapper name a disk is unlocked as and an initrd's
 * /etc/crypttab. Also the recovery key enrolment on such a disk, and its
 * binding to a Tang server (clevis).
 *
 * @module
 */

import { ROOT } from "./_paths.ts";
import { run } from "./run.ts";

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

/**
 * Binds `disk` to a Tang server with clevis (`clevis luks bind`): a new key
 * slot whose random passphrase clevis encrypts for the server's exchange key,
 * kept in a LUKS2 token (clevis 19). `passphrase` unlocks the existing slot,
 * which stays. `config` is the tang pin's: `url` as the guest reaches the
 * server, and the advertisement to trust (`TangServer.binding` in tang.ts),
 * so that nothing goes over the network here.
 *
 * @example
 * ```ts
 * await bindTang(disk, "correct horse battery", await tang.binding("http://10.0.2.100"));
 * ```
 * @returns The key slot clevis added.
 * @throws Error when clevis fails, or `clevis luks list` shows no tang binding after it.
 */
export async function bindTang(
  disk: LuksDisk,
  passphrase: string,
  config: { url: string; adv?: unknown; thp?: string },
): Promise<number> {
  // -y: trust the advertisement given (no question); -k -: the existing passphrase on stdin.
  await run("clevis", [
    "luks",
    "bind",
    "-y",
    "-k",
    "-",
    "-d",
    disk.path,
    "tang",
    JSON.stringify(config),
  ], { stdin: passphrase });
  const listed = await run("clevis", ["luks", "list", "-d", disk.path]);
  const slot = /^(\d+): tang /m.exec(listed)?.[1];
  if (slot === undefined) throw new Error(`no tang binding on ${disk.path}: ${listed}`);
  return Number(slot);
}
