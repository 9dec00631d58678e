/**
 * Who asks: the asker's pidfs ID, executable, command line and systemd unit,
 * read through its PID and checked against its pidfd, so that a PID reused
 * by another process cannot lend the request a false identity.
 *
 * @module
 */
import { linkTarget, readSmallFile } from "../ffi/file_path.ts";
import { pidfsInodeId } from "../ffi/pidfs.ts";
import { processHasExited } from "../ffi/process.ts";

/** What is known about the process behind a request. */
export interface AskerIdentity {
  /** Its PID (in askpw's PID namespace). */
  pid: number;
  /** Its pidfs inode ID (Linux 6.9+): never reused; `undefined` without pidfs. */
  pidfdId?: bigint;
  /** Its executable (/proc/PID/exe; unreadable for other users' processes unless root). */
  exe?: string;
  /** Its command line. */
  commandLine?: string[];
  /** The systemd unit its cgroup belongs to, e.g. `systemd-cryptsetup@root.service`. */
  unit?: string;
}

const decoder = new TextDecoder();
const UNIT_SUFFIX = /\.(service|scope|socket|mount|swap|target|timer|path|automount|device)$/;

/**
 * Reads the identity of process `pid`, whose pidfd the caller holds.
 *
 * @example Usage
 * ```ts
 * import { identifyProcess } from "./asker_identity.ts";
 * import { openPidfd } from "../ffi/process.ts";
 * const identity = identifyProcess(Deno.pid, openPidfd(Deno.pid)!);
 * console.log(identity?.exe);
 * ```
 * @param pid The process.
 * @param pidfd A pidfd of it, opened before the reads.
 * @returns The identity, or `undefined` when the process exited meanwhile (the
 * files read may then describe whoever got its PID).
 */
export function identifyProcess(pid: number, pidfd: number): AskerIdentity | undefined {
  const identity: AskerIdentity = { pid, pidfdId: pidfsInodeId(pidfd) };
  identity.exe = linkTarget(`/proc/${pid}/exe`);
  const commandLine = readText(`/proc/${pid}/cmdline`);
  if (commandLine) identity.commandLine = commandLine.replace(/\0$/, "").split("\0");
  const cgroup = readText(`/proc/${pid}/cgroup`);
  if (cgroup) identity.unit = unitFromCgroup(cgroup);
  // Still the same process after the reads: then they described it.
  return processHasExited(pidfd) ? undefined : identity;
}

/**
 * The unit a process belongs to, from /proc/PID/cgroup: the first path
 * component below the slices that names a unit (systemd's cg_path_get_unit),
 * from the unified hierarchy, else from the name=systemd one.
 *
 * @example Usage
 * ```ts
 * import { unitFromCgroup } from "./asker_identity.ts";
 * unitFromCgroup("0::/system.slice/systemd-cryptsetup@root.service\n");
 * // "systemd-cryptsetup@root.service"
 * ```
 * @param content The file's text.
 * @returns The unit, or `undefined` (e.g. the root cgroup).
 */
export function unitFromCgroup(content: string): string | undefined {
  const lines = content.split("\n");
  const path = lines.find((line) => line.startsWith("0::"))?.slice(3) ??
    lines.find((line) => line.includes(":name=systemd:"))?.split(":").slice(2).join(":");
  for (const component of (path ?? "").split("/")) {
    if (component === "" || component.endsWith(".slice")) continue;
    return UNIT_SUFFIX.test(component) ? component : undefined;
  }
  return undefined;
}

/**
 * A short name for the asker, for a prompt: its unit, else its program and PID.
 *
 * @example Usage
 * ```ts
 * import { describeAsker } from "./asker_identity.ts";
 * describeAsker({ pid: 42, unit: "systemd-cryptsetup@root.service" });
 * // "systemd-cryptsetup@root.service"
 * ```
 * @param identity The identity.
 * @returns The description (not yet sanitized: the caller shows it safely).
 */
export function describeAsker(identity: AskerIdentity): string {
  if (identity.unit) return identity.unit;
  const program = identity.exe ?? identity.commandLine?.[0];
  const name = program?.slice(program.lastIndexOf("/") + 1);
  return name ? `${name} (PID ${identity.pid})` : `PID ${identity.pid}`;
}

function readText(path: string): string | undefined {
  try {
    return decoder.decode(readSmallFile(path));
  } catch {
    return undefined;
  }
}
