/**
 * Pseudo-terminals, for tests and benchmarks that play the person at a console.
 *
 * @module
 */
import { closeFd, OpenFlags } from "./file_descriptor.ts";
import { check } from "./errno.ts";
import { libc } from "./libc.ts";

/** A pseudo-terminal: our master end and the path of the slave end. */
export interface PseudoTerminal {
  /** Master descriptor (non-blocking). */
  master: number;
  /** Slave device path, e.g. `/dev/pts/3`. */
  slavePath: string;
}

/**
 * Opens a new pseudo-terminal; the master is non-blocking and not our
 * controlling terminal.
 *
 * @example Usage
 * ```ts
 * import { openPseudoTerminal } from "./pty.ts";
 * import { closeFd } from "./file_descriptor.ts";
 * const pty = openPseudoTerminal();
 * console.log(pty.slavePath);
 * closeFd(pty.master);
 * ```
 * @returns The pty.
 * @throws {SystemCallError} When any step fails.
 */
export function openPseudoTerminal(): PseudoTerminal {
  const master = check(
    "posix_openpt",
    libc.symbols.posix_openpt(
      OpenFlags.O_RDWR | OpenFlags.O_NOCTTY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC,
    ),
  );
  try {
    check("grantpt", libc.symbols.grantpt(master));
    check("unlockpt", libc.symbols.unlockpt(master));
    const name = new Uint8Array(128);
    const rc = libc.symbols.ptsname_r(master, name, BigInt(name.length));
    if (rc !== 0) throw new Error(`ptsname_r failed with ${rc}`);
    const slavePath = new TextDecoder().decode(name.subarray(0, name.indexOf(0)));
    return { master, slavePath };
  } catch (error) {
    closeFd(master);
    throw error;
  }
}
