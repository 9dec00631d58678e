/**
 * Integer SOL_SOCKET options that older kernels may not know (SO_PASSPIDFD:
 * 6.5, SO_PASSRIGHTS: 6.16): set and read, telling "unknown" apart from
 * failure.
 *
 * @module
 */
import { Errno, lastErrno, SystemCallError } from "./errno.ts";
import { libc } from "./libc.ts";
import { SocketConstants } from "./socket_constants.ts";

/**
 * Sets an integer socket option that older kernels may not have
 * (SO_PASSPIDFD: 6.5, SO_PASSRIGHTS: 6.16).
 *
 * @example Usage
 * ```ts
 * import { setIntegerOption } from "./socket_options.ts";
 * import { SocketConstants } from "./socket_constants.ts";
 * const fd = 3; // a descriptor of the caller's
 * setIntegerOption(fd, SocketConstants.SO_PASSRIGHTS, 0); // false before Linux 6.16
 * ```
 * @param fd The socket.
 * @param option An SOL_SOCKET option.
 * @param value Its value.
 * @returns Whether the kernel took it; false when it does not know the option.
 * @throws {SystemCallError} On other errors.
 */
export function setIntegerOption(fd: number, option: number, value: number): boolean {
  const bytes = new Uint8Array(new Int32Array([value]).buffer);
  if (libc.symbols.setsockopt(fd, SocketConstants.SOL_SOCKET, option, bytes, 4) === 0) return true;
  const errno = lastErrno();
  if (errno === Errno.ENOPROTOOPT || errno === Errno.EINVAL) return false;
  throw new SystemCallError("setsockopt", errno, `option ${option}`);
}

/**
 * Reads an integer socket option that older kernels may not have
 * (SO_PASSPIDFD: 6.5, SO_PASSRIGHTS: 6.16).
 *
 * @example Usage
 * ```ts
 * import { integerOption } from "./socket_options.ts";
 * import { listenStream } from "./stream_socket.ts";
 * import { SocketConstants } from "./socket_constants.ts";
 * const fd = listenStream(`@askpw-option-${Deno.pid}`);
 * integerOption(fd, SocketConstants.SO_PASSPIDFD); // 0, or undefined before Linux 6.5
 * ```
 * @param fd The socket.
 * @param option An SOL_SOCKET option.
 * @returns Its value, or `undefined` when the kernel does not know the option.
 * @throws {SystemCallError} On other errors (EBADF, ENOTSOCK).
 */
export function integerOption(fd: number, option: number): number | undefined {
  const value = new Int32Array([0]);
  const length = new Uint32Array([4]);
  const result = libc.symbols.getsockopt(
    fd,
    SocketConstants.SOL_SOCKET,
    option,
    new Uint8Array(value.buffer),
    new Uint8Array(length.buffer),
  );
  if (result === 0) return value[0];
  const errno = lastErrno();
  if (errno === Errno.ENOPROTOOPT || errno === Errno.EINVAL) return undefined;
  throw new SystemCallError("getsockopt", errno, `option ${option}`);
}
