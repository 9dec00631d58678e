/**
 * AF_UNIX stream sockets: connecting (plymouthd), listening and accepting
 * (the Varlink server).
 *
 * @module
 */
import { check, Errno, lastErrno, SystemCallError } from "./errno.ts";
import { libc } from "./libc.ts";
import { SocketConstants } from "./socket_constants.ts";
import { openUnixSocket, unixAddress } from "./unix_socket.ts";

/**
 * Connects a non-blocking AF_UNIX stream socket to `path` (or an `@abstract`
 * name, as plymouthd listens on).
 *
 * @example Usage
 * ```ts
 * import { connectStream } from "./stream_socket.ts";
 * try {
 *   connectStream("@/org/freedesktop/plymouthd");
 * } catch (error) {
 *   console.log(String(error)); // connect …: ECONNREFUSED when plymouthd is not running
 * }
 * ```
 * @param path The address.
 * @returns The connected socket.
 * @throws {SystemCallError} When socket or connect fails.
 */
export function connectStream(path: string): number {
  return openUnixSocket(SocketConstants.SOCK_STREAM, true, (fd) => {
    const { address, length } = unixAddress(path);
    check("connect", libc.symbols.connect(fd, address, length), path);
  });
}

/**
 * Creates a non-blocking AF_UNIX stream socket listening on `path` (or an
 * `@abstract` name).
 *
 * @example Usage
 * ```ts
 * import { listenStream } from "./stream_socket.ts";
 * import { closeFd } from "./file_descriptor.ts";
 * closeFd(listenStream(`@askpw-example-${Deno.pid}`));
 * ```
 * @param path The address.
 * @param backlog Connections the kernel queues before accept.
 * @returns The listening socket.
 * @throws {SystemCallError} When socket, bind or listen fails.
 */
export function listenStream(path: string, backlog = 16): number {
  return openUnixSocket(SocketConstants.SOCK_STREAM, true, (fd) => {
    const { address, length } = unixAddress(path);
    check("bind", libc.symbols.bind(fd, address, length), path);
    check("listen", libc.symbols.listen(fd, backlog), path);
  });
}

/**
 * Accepts one connection from a non-blocking listening socket; the new
 * socket is non-blocking and close-on-exec.
 *
 * @example Usage
 * ```ts
 * import { acceptConnection, listenStream } from "./stream_socket.ts";
 * const listener = listenStream(`@askpw-accept-${Deno.pid}`);
 * acceptConnection(listener); // null: nobody connected
 * ```
 * @param fd The listening socket.
 * @returns The connection, or `null` when none is waiting.
 * @throws {SystemCallError} On errors other than EAGAIN.
 */
export function acceptConnection(fd: number): number | null {
  const flags = SocketConstants.SOCK_NONBLOCK | SocketConstants.SOCK_CLOEXEC;
  for (;;) {
    const connection = libc.symbols.accept4(fd, null, null, flags);
    if (connection >= 0) return connection;
    const errno = lastErrno();
    if (errno === Errno.EINTR) continue;
    if (errno === Errno.EAGAIN) return null;
    throw new SystemCallError("accept4", errno);
  }
}
