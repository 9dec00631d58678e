/**
 * Other agents that answer the same requests: clevis, whose
 * `clevis-luks-askpass` answers a disk's request from a Tang server or a TPM
 * when the disk's LUKS2 header has a clevis token. askpw tells it from the
 * header (the disk is set up for it) and the process list (it is running).
 *
 * @module
 */
import { listDirectory } from "../ffi/directory.ts";
import { pathExists, readSmallFile } from "../ffi/file_path.ts";
import { luksTokenTypes } from "./luks_tokens.ts";

/** `clevis-luks-askpass` as the kernel names its process (15 characters). */
const CLEVIS_ASKPASS_COMM = "clevis-luks-ask";
/** Where clevis installs its askpass program (clevis-systemd, clevis-dracut). */
const CLEVIS_ASKPASS_PATHS = ["/usr/libexec/clevis-luks-askpass", "/usr/bin/clevis-luks-askpass"];

/** Where {@linkcode otherAgentsFor} looks; tests point it elsewhere. */
export interface OtherAgentSources {
  /** The LUKS2 token types of a device (default: read from its header). */
  tokenTypes?: (device: string) => string[];
  /** Default `/proc`. */
  proc?: string;
  /** Whether clevis's askpass program is installed (default: looked for where clevis puts it). */
  clevisInstalled?: () => boolean;
}

/** Another agent working on a request. */
export interface OtherAgent {
  /** `clevis`. */
  name: string;
  /**
   * The PID of its running askpass program; none when it is installed but
   * not running yet (its path unit starts it when the ask file appears).
   */
  pid?: number;
}

/**
 * The PIDs of running `clevis-luks-askpass` programs.
 *
 * @example Usage
 * ```ts
 * import { clevisAskpassPids } from "./other_agents.ts";
 * clevisAskpassPids(); // [] where clevis does not run
 * ```
 * @param proc The proc file system's mount point.
 * @returns The PIDs.
 */
export function clevisAskpassPids(proc = "/proc"): number[] {
  const pids: number[] = [];
  let names: string[];
  try {
    names = listDirectory(proc);
  } catch {
    return pids;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const comm = new TextDecoder().decode(readSmallFile(`${proc}/${name}/comm`)).trim();
      if (comm === CLEVIS_ASKPASS_COMM) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids.sort((a, b) => a - b);
}

/**
 * The other agents working on a request for `device`: clevis when the
 * device's LUKS2 header has a clevis token and `clevis-luks-askpass` runs or
 * is installed (its path unit starts it when the ask file appears, perhaps
 * a moment after askpw saw the file).
 *
 * @example Usage
 * ```ts
 * import { otherAgentsFor } from "./other_agents.ts";
 * otherAgentsFor("/dev/vda2"); // [{ name: "clevis", pid: 321 }] while clevis tries Tang
 * ```
 * @param device The disk's device, when the request names one.
 * @param sources Alternative sources, for tests.
 * @returns The agents; empty when none can be told.
 */
export function otherAgentsFor(
  device: string | undefined,
  sources: OtherAgentSources = {},
): OtherAgent[] {
  if (!device?.startsWith("/")) return [];
  const tokens = (sources.tokenTypes ?? luksTokenTypes)(device);
  if (!tokens.includes("clevis")) return [];
  const pid = clevisAskpassPids(sources.proc)[0];
  if (pid !== undefined) return [{ name: "clevis", pid }];
  const installed = sources.clevisInstalled ??
    (() => CLEVIS_ASKPASS_PATHS.some((path) => pathExists(path)));
  return installed() ? [{ name: "clevis" }] : [];
}
