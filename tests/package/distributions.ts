/**
 * The Debian releases askpw is proven on beyond bookworm, and the one package
 * set each root is made from (so that every test asking for a release's root
 * gets the same cached one from {@linkcode pristineRoot}).
 *
 * From trixie on, systemd-cryptsetup is a package of its own: without it,
 * dracut's crypt module has no systemd-cryptsetup to put into the initrd and
 * the boot waits for the disk forever. Plymouth and its themes are there for
 * the Plymouth boot (dracut's plymouth module takes them in whenever they are
 * installed; the other boots turn Plymouth off on the kernel command line).
 * sid's root also has the TPM2 stack (tpm2-tools, which dracut's tpm2-tss
 * module requires, and the device TCTI systemd-cryptsetup loads).
 *
 * @module
 */
import { pristineRoot, type Suite } from "./package_root.ts";

/** A release, and the packages its root gets beside the base set. */
export interface Distribution {
  /** The suite debootstrap makes. */
  suite: Suite;
  /** Debian packages beside package_root.ts's BASE_PACKAGES. */
  extraPackages: readonly string[];
}

const COMMON = ["cryptsetup", "systemd-cryptsetup", "zstd", "plymouth", "plymouth-themes"];

/** Debian 13 (stable): systemd 257, kernel 6.12, dracut 106, Plymouth 24. */
export const TRIXIE: Distribution = { suite: "trixie", extraPackages: COMMON };

/** Debian unstable: systemd 262, kernel 7.2, dracut 112, Plymouth 26. */
export const SID: Distribution = {
  suite: "sid",
  extraPackages: [...COMMON, "tpm2-tools", "tpm-udev"],
};

/**
 * The cached pristine root of a release (made on first use).
 *
 * @example Usage
 * ```ts
 * import { distributionRoot, SID } from "./distributions.ts";
 * const root = await distributionRoot(SID);
 * ```
 * @param distribution {@linkcode TRIXIE} or {@linkcode SID}.
 * @returns The root directory; copy it before changing anything.
 */
export async function distributionRoot(distribution: Distribution): Promise<string> {
  return await pristineRoot(distribution.extraPackages, distribution.suite);
}
