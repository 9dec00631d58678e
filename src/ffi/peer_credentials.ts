/**
 * Who is at the other end of a connected AF_UNIX socket: SO_PEERCRED
 * (pid, uid, gid at connect time) and SO_PEERPIDFD.
 *
 * @module
 */
import { check } from "./errno.ts";
import { libc } from "./libc.ts";
import { SocketConstants } from "./socket_constants.ts";

/** The peer's credentials at connect time (SO_PEERCRED). */
export interface PeerCredentials {
  /** Process id. */
  pid: number;
  /** User id. */
  uid: number;
  /** Group id. */
  gid: number;
}

/**
 * Reads SO_PEERCRED of a connected socket.
 *
 * @example Usage
 * ```ts
 * import { connectStream } from "./stream_socket.ts";
 * import { peerCredentials } from "./peer_credentials.ts";
 * const fd = 3; // a descriptor of the caller's
 * peerCredentials(fd).pid;
 * ```
 * @param fd A connected AF_UNIX socket.
 * @returns The peer's pid, uid and gid.
 * @throws {SystemCallError} When getsockopt fails.
 */
export function peerCredentials(fd: number): PeerCredentials {
  const value = new Uint8Array(12);
  const length = new Uint32Array([12]);
  check(
    "getsockopt",
    libc.symbols.getsockopt(
      fd,
      SocketConstants.SOL_SOCKET,
      SocketConstants.SO_PEERCRED,
      value,
      new Uint8Array(length.buffer),
    ),
  );
  const view = new DataView(value.buffer);
  return {
    pid: view.getInt32(0, true),
    uid: view.getUint32(4, true),
    gid: view.getUint32(8, true),
  };
}

/**
 * The peer of a connected socket as a pidfd (SO_PEERPIDFD, Linux 6.5+).
 *
 * @example Usage
 * ```ts
 * import { peerPidfd } from "./peer_credentials.ts";
 * const fd = 3; // a descriptor of the caller's
 * const pidfd = peerPidfd(fd); // undefined before Linux 6.5
 * ```
 * @param fd A connected AF_UNIX socket.
 * @returns A new pidfd (the caller closes it), or `undefined` when the kernel has none.
 */
export function peerPidfd(fd: number): number | undefined {
  const value = new Int32Array([-1]);
  const length = new Uint32Array([4]);
  const result = libc.symbols.getsockopt(
    fd,
    SocketConstants.SOL_SOCKET,
    SocketConstants.SO_PEERPIDFD,
    new Uint8Array(value.buffer),
    new Uint8Array(length.buffer),
  );
  return result === 0 && value[0] >= 0 ? value[0] : undefined;
}
