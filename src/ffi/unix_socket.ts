/**
 * AF_UNIX addresses and sockets: `struct sockaddr_un` for paths and abstract
 * names, and socket(2) closed again when its set-up fails.
 *
 * @module
 */
import { closeFd } from "./file_descriptor.ts";
import { check } from "./errno.ts";
import { libc } from "./libc.ts";
import { SocketConstants } from "./socket_constants.ts";

const encoder = new TextEncoder();
const SOCKADDR_UN_SIZE = 110;

/**
 * Builds a `struct sockaddr_un` for a path, or for an abstract name when the
 * address starts with `@` (replaced by NUL, no trailing NUL, as sd_notify and
 * plymouth use them).
 *
 * @example Usage
 * ```ts
 * import { unixAddress } from "./unix_socket.ts";
 * const { address, length } = unixAddress("/run/systemd/notify");
 * ```
 * @param path Absolute path or `@abstract` name.
 * @returns The address bytes and the length to pass with them.
 * @throws {RangeError} When the path does not fit into sun_path (107 bytes).
 */
export function unixAddress(path: string): { address: Uint8Array<ArrayBuffer>; length: number } {
  const abstract = path.startsWith("@");
  const name = encoder.encode(abstract ? path.slice(1) : path);
  const room = abstract ? 107 : 107; // one byte for the leading or trailing NUL
  if (name.length > room || name.length === 0) {
    throw new RangeError(`Socket address of ${name.length} bytes does not fit sun_path`);
  }
  const address = new Uint8Array(SOCKADDR_UN_SIZE);
  new DataView(address.buffer).setUint16(0, SocketConstants.AF_UNIX, true);
  address.set(name, abstract ? 3 : 2);
  const length = abstract ? 2 + 1 + name.length : 2 + name.length + 1;
  return { address, length };
}

/**
 * Creates an AF_UNIX socket, close-on-exec and optionally non-blocking, and
 * runs `setUp` on it (bind, connect…); the socket is closed again if `setUp`
 * throws, so no caller leaks it.
 *
 * @example Usage
 * ```ts
 * import { openUnixSocket } from "./unix_socket.ts";
 * import { SocketConstants } from "./socket_constants.ts";
 * import { closeFd } from "./file_descriptor.ts";
 * closeFd(openUnixSocket(SocketConstants.SOCK_DGRAM, true, () => {}));
 * ```
 * @param type `SOCK_DGRAM` or `SOCK_STREAM`.
 * @param nonBlocking Whether to add `SOCK_NONBLOCK`.
 * @param setUp What to do with the socket before it is handed out (bind, connect, setsockopt).
 * @returns The socket descriptor.
 * @throws {SystemCallError} When socket fails, and whatever `setUp` throws.
 */
export function openUnixSocket(
  type: number,
  nonBlocking: boolean,
  setUp: (fd: number) => void,
): number {
  const flags = SocketConstants.SOCK_CLOEXEC | (nonBlocking ? SocketConstants.SOCK_NONBLOCK : 0);
  const fd = check("socket", libc.symbols.socket(SocketConstants.AF_UNIX, type | flags, 0));
  try {
    setUp(fd);
    return fd;
  } catch (error) {
    closeFd(fd);
    throw error;
  }
}
