/**
 * Processes: pidfds for race-free liveness tracking of askers, and our own ids.
 *
 * @module
 */
import { DescriptorFlags } from "./descriptor_flags.ts";
import { closeFd } from "./file_descriptor.ts";
import { Errno, lastErrno, SystemCallError } from "./errno.ts";
import { libc } from "./libc.ts";
import { PollEvents, pollNow } from "./poll.ts";

const SYS_pidfd_open = 434n;

/**
 * Opens a pidfd for `pid` (Linux 5.3+). A pidfd refers to that very process:
 * it cannot be fooled by PID reuse, and it polls readable once the process
 * has exited (zombies included).
 *
 * @example Usage
 * ```ts
 * import { openPidfd } from "./process.ts";
 * const pidfd = openPidfd(Deno.pid); // a number
 * ```
 * @param pid The process id.
 * @returns The pidfd, or `undefined` when no such process exists.
 * @throws {SystemCallError} On other errors (e.g. ENOSYS on old kernels).
 */
export function openPidfd(pid: number): number | undefined {
  const fd = Number(
    libc.symbols.syscall3(SYS_pidfd_open, BigInt(pid), BigInt(DescriptorFlags.NONBLOCK)),
  );
  if (fd >= 0) return fd;
  const errno = lastErrno();
  if (errno === Errno.ESRCH) return undefined;
  throw new SystemCallError("pidfd_open", errno, `pid ${pid}`);
}

/**
 * Tells whether the process behind `pidfd` has exited (or is a zombie).
 *
 * @example Usage
 * ```ts
 * import { openPidfd, processHasExited } from "./process.ts";
 * processHasExited(openPidfd(Deno.pid)!); // false
 * ```
 * @param pidfd A pidfd from {@linkcode openPidfd}.
 * @returns Whether it has exited.
 */
export function processHasExited(pidfd: number): boolean {
  return (pollNow(pidfd, PollEvents.POLLIN) & PollEvents.POLLIN) !== 0;
}

/**
 * Checks whether `pid` names a live, non-zombie process, like systemd's
 * pid_is_alive(): a zombie or a missing process is dead.
 *
 * @example Usage
 * ```ts
 * import { processIsAlive } from "./process.ts";
 * processIsAlive(Deno.pid); // true
 * ```
 * @param pid The process id.
 * @returns Whether it is alive.
 */
export function processIsAlive(pid: number): boolean {
  let pidfd: number | undefined;
  try {
    pidfd = openPidfd(pid);
  } catch {
    return false;
  }
  if (pidfd === undefined) return false;
  try {
    return !processHasExited(pidfd);
  } finally {
    closeFd(pidfd);
  }
}

/**
 * Our effective user id.
 *
 * @example Usage
 * ```ts
 * import { effectiveUserId } from "./process.ts";
 * effectiveUserId(); // 0 as root
 * ```
 * @returns geteuid().
 */
export function effectiveUserId(): number {
  return libc.symbols.geteuid();
}

/**
 * Our real user id.
 *
 * @example Usage
 * ```ts
 * import { realUserId } from "./process.ts";
 * realUserId(); // 0 as root
 * ```
 * @returns getuid().
 */
export function realUserId(): number {
  return libc.symbols.getuid();
}
