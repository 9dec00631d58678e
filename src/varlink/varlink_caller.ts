/**
 * Who sent a Varlink message. A socket with SO_PASSPIDFD on (systemd 258's
 * `PassPIDFD=yes`, or askpw's own socket) hands every recvmsg(2) a pidfd of
 * the process that wrote the bytes read: the caller is named by that pidfd
 * (its pidfs ID, its unit, its executable), not by a PID that may have been
 * reused, and not by whoever opened the connection (SO_PEERCRED), which may
 * have handed the connection on. Without a pidfd (a kernel before 6.5, the
 * option off) the connection's SO_PEERCRED names the caller, as before.
 *
 * @module
 */
import { closeFd } from "../ffi/file_descriptor.ts";
import { readSmallFile } from "../ffi/file_path.ts";
import { pidfsInodeId } from "../ffi/pidfs.ts";
import type { PeerCredentials } from "../ffi/peer_credentials.ts";
import { type AskerIdentity, identifyProcess } from "../request/asker_identity.ts";

export type { AskerIdentity, PeerCredentials };

const decoder = new TextDecoder();

/**
 * The PID behind a pidfd, in askpw's PID namespace, from the `Pid:` line of
 * /proc/self/fdinfo/FD (Linux 5.3+).
 *
 * @example Usage
 * ```ts
 * import { pidOfPidfd } from "./varlink_caller.ts";
 * import { openPidfd } from "../ffi/process.ts";
 * pidOfPidfd(openPidfd(Deno.pid)!); // Deno.pid
 * ```
 * @param pidfd A pidfd.
 * @returns The PID; 0 when the process lives in a PID namespace askpw cannot
 *   see, -1 when it has exited, `undefined` when the kernel does not say.
 */
export function pidOfPidfd(pidfd: number): number | undefined {
  let text: string;
  try {
    text = decoder.decode(readSmallFile(`/proc/self/fdinfo/${pidfd}`, 4096));
  } catch {
    return undefined;
  }
  const match = /^Pid:\s*(-?\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * Identifies the senders of one connection's messages by the pidfds that
 * came with them. The last sender is remembered by its pidfs ID, so that a
 * caller whose message arrives in several reads is looked up in /proc once.
 */
export class MessageSenders {
  #last: AskerIdentity | undefined;

  /**
   * Names the process behind a pidfd that came with a message, and closes
   * the pidfd.
   *
   * @example Usage
   * ```ts
   * import { MessageSenders } from "./varlink_caller.ts";
   * import { openPidfd } from "../ffi/process.ts";
   * const senders = new MessageSenders();
   * senders.identify(openPidfd(Deno.pid)!).pidfdId; // this process's pidfs ID
   * ```
   * @param pidfd The SCM_PIDFD descriptor (closed here, whatever happens).
   * @returns What is known of the sender: at least its PID as the pidfd
   *   says (0 or -1 when unknown, see {@linkcode pidOfPidfd}) and, with
   *   pidfs, its pidfs ID, which stays valid after it exited.
   */
  identify(pidfd: number): AskerIdentity {
    try {
      const pidfdId = pidfsInodeId(pidfd);
      if (pidfdId !== undefined && this.#last?.pidfdId === pidfdId) return this.#last;
      const pid = pidOfPidfd(pidfd) ?? 0;
      const identity = (pid > 0 ? identifyProcess(pid, pidfd) : undefined) ?? { pid, pidfdId };
      this.#last = identity;
      return identity;
    } finally {
      closeFd(pidfd);
    }
  }
}

/**
 * How the log names a caller: `PID N, uid U` by the connection's
 * credentials (as before SO_PASSPIDFD), or, when the message came with a
 * pidfd, `PID N (unit U, pidfs ID I), uid U`: the PID, unit and pidfs ID of
 * the process that sent it, the uid of the connection (the one allowed or
 * refused).
 *
 * @example Usage
 * ```ts
 * import { describeCaller } from "./varlink_caller.ts";
 * describeCaller({ pid: 42, uid: 0, gid: 0 }, undefined); // "PID 42, uid 0"
 * describeCaller({ pid: 42, uid: 0, gid: 0 }, {
 *   pid: 42,
 *   unit: "foo.service",
 *   pidfdId: 7n,
 * }); // "PID 42 (unit foo.service, pidfs ID 7), uid 0"
 * ```
 * @param peer The connection's SO_PEERCRED, when it could be read.
 * @param sender The message's sender, by its pidfd, when one came.
 * @returns The description (no user-controlled text but the unit name, which
 *   comes from the kernel's cgroup path).
 */
export function describeCaller(
  peer: PeerCredentials | undefined,
  sender: AskerIdentity | undefined,
): string {
  const uid = peer ? `uid ${peer.uid}` : "uid unknown";
  if (!sender) return peer ? `PID ${peer.pid}, ${uid}` : "an unknown peer";
  const pid = sender.pid > 0
    ? `PID ${sender.pid}`
    : sender.pid < 0
    ? "a process that has exited"
    : "a process in another PID namespace";
  const handedOn = peer && sender.pid > 0 && peer.pid !== sender.pid
    ? `; connected by PID ${peer.pid}`
    : "";
  return `${pid} (unit ${sender.unit ?? "none"}, pidfs ID ${
    sender.pidfdId ?? "none"
  }${handedOn}), ${uid}`;
}
