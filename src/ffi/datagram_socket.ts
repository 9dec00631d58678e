/**
 * AF_UNIX datagram sockets: replies to askers, sd_notify, and the receiving
 * end used by tests and benchmarks.
 *
 * @module
 */
import { closeFd } from "./file_descriptor.ts";
import { check, Errno, lastErrno, SystemCallError } from "./errno.ts";
import { libc } from "./libc.ts";
import { SocketConstants } from "./socket_constants.ts";
import { openUnixSocket, unixAddress } from "./unix_socket.ts";

/**
 * Sends one datagram to the AF_UNIX datagram socket at `path`, never blocking
 * (MSG_DONTWAIT) and never raising SIGPIPE (MSG_NOSIGNAL).
 *
 * @example Usage
 * ```ts
 * import { sendDatagram } from "./datagram_socket.ts";
 * try {
 *   sendDatagram("/run/nonexistent.sock", new Uint8Array([0x2d]));
 * } catch (error) {
 *   console.log(String(error)); // sendto /run/nonexistent.sock: ENOENT (...)
 * }
 * ```
 * @param path The socket path (or `@abstract` name).
 * @param payload The datagram.
 * @throws {SystemCallError} When socket or sendto fails (ENOENT, ECONNREFUSED, EAGAIN…).
 */
export function sendDatagram(path: string, payload: Uint8Array<ArrayBuffer>): void {
  const { address, length } = unixAddress(path);
  const fd = openUnixSocket(SocketConstants.SOCK_DGRAM, false, () => {});
  try {
    const sent = Number(
      libc.symbols.sendto(
        fd,
        payload,
        BigInt(payload.length),
        SocketConstants.MSG_DONTWAIT | SocketConstants.MSG_NOSIGNAL,
        address,
        length,
      ),
    );
    if (sent < 0) throw new SystemCallError("sendto", lastErrno(), path);
  } finally {
    closeFd(fd);
  }
}

/**
 * An unbound, non-blocking AF_UNIX datagram socket that sends to any path:
 * one for the whole process, so an answer costs a single sendto().
 */
export class DatagramSender implements Disposable {
  #fd: number;

  /**
   * Creates the socket.
   *
   * @example Usage
   * ```ts
   * import { DatagramSender } from "./datagram_socket.ts";
   * using sender = new DatagramSender();
   * ```
   * @throws {SystemCallError} When socket fails.
   */
  constructor() {
    this.#fd = openUnixSocket(SocketConstants.SOCK_DGRAM, true, () => {});
  }

  /**
   * Sends one datagram to `path` without blocking or raising SIGPIPE.
   *
   * @example Usage
   * ```ts
   * import { DatagramSender } from "./datagram_socket.ts";
   * using sender = new DatagramSender();
   * try {
   *   sender.send("/run/nonexistent.sock", new Uint8Array([0x2d]));
   * } catch (error) {
   *   console.log(String(error)); // sendto /run/nonexistent.sock: ENOENT (...)
   * }
   * ```
   * @param path The socket path (or `@abstract` name).
   * @param payload The datagram.
   * @returns Whether it was sent; false when the receiver's queue is full (EAGAIN).
   * @throws {SystemCallError} On other errors (ENOENT, ECONNREFUSED, EACCES…).
   */
  send(path: string, payload: Uint8Array<ArrayBuffer>): boolean {
    const { address, length } = unixAddress(path);
    for (;;) {
      const sent = Number(
        libc.symbols.sendto(
          this.#fd,
          payload,
          BigInt(payload.length),
          SocketConstants.MSG_DONTWAIT | SocketConstants.MSG_NOSIGNAL,
          address,
          length,
        ),
      );
      if (sent >= 0) return true;
      const errno = lastErrno();
      if (errno === Errno.EINTR) continue;
      if (errno === Errno.EAGAIN) return false;
      throw new SystemCallError("sendto", errno, path);
    }
  }

  /** Closes the socket. */
  [Symbol.dispose](): void {
    closeFd(this.#fd);
  }
}

/**
 * Opens a non-blocking AF_UNIX datagram socket connected to `path`. Unlike
 * an unconnected sendto(), a connected datagram socket polls writable only
 * while the peer's receive queue has room, so a sender can wait for room.
 *
 * @example Usage
 * ```ts
 * import { connectDatagram } from "./datagram_socket.ts";
 * try {
 *   connectDatagram("/run/nonexistent.sock");
 * } catch (error) {
 *   console.log(String(error)); // connect /run/nonexistent.sock: ENOENT (...)
 * }
 * ```
 * @param path The socket path (or `@abstract` name).
 * @returns The connected socket.
 * @throws {SystemCallError} When socket or connect fails (ENOENT, ECONNREFUSED, EACCES…).
 */
export function connectDatagram(path: string): number {
  return openUnixSocket(SocketConstants.SOCK_DGRAM, true, (fd) => {
    const { address, length } = unixAddress(path);
    check("connect", libc.symbols.connect(fd, address, length), path);
  });
}

/**
 * Sends one datagram on a connected socket without blocking or raising SIGPIPE.
 *
 * @example Usage
 * ```ts
 * import { connectDatagram, sendOnSocket } from "./datagram_socket.ts";
 * const path = "/run/example";
 * const fd = connectDatagram(path);
 * sendOnSocket(fd, new Uint8Array([0x2d])); // false while the peer's queue is full
 * ```
 * @param fd A connected datagram socket.
 * @param payload The datagram.
 * @returns Whether it was sent; false when the peer's queue is full (EAGAIN).
 * @throws {SystemCallError} On other errors (ECONNREFUSED once the peer closed).
 */
export function sendOnSocket(fd: number, payload: Uint8Array<ArrayBuffer>): boolean {
  for (;;) {
    const sent = Number(
      libc.symbols.send(
        fd,
        payload,
        BigInt(payload.length),
        SocketConstants.MSG_DONTWAIT | SocketConstants.MSG_NOSIGNAL,
      ),
    );
    if (sent >= 0) return true;
    const errno = lastErrno();
    if (errno === Errno.EINTR) continue;
    if (errno === Errno.EAGAIN) return false;
    throw new SystemCallError("send", errno);
  }
}

/**
 * Creates a non-blocking AF_UNIX datagram socket bound to `path`, with
 * SO_PASSCRED on as systemd's askers set it.
 *
 * @example Usage
 * ```ts
 * import { bindDatagramSocket } from "./datagram_socket.ts";
 * import { closeFd } from "./file_descriptor.ts";
 * const fd = bindDatagramSocket(`/tmp/askpw-example-${Deno.pid}.sock`);
 * closeFd(fd);
 * ```
 * @param path Where to bind (must not exist).
 * @returns The socket descriptor.
 * @throws {SystemCallError} When socket, setsockopt or bind fails.
 */
export function bindDatagramSocket(path: string): number {
  return openUnixSocket(SocketConstants.SOCK_DGRAM, true, (fd) => {
    const on = new Int32Array([1]);
    const option = new Uint8Array(on.buffer);
    check(
      "setsockopt",
      libc.symbols.setsockopt(
        fd,
        SocketConstants.SOL_SOCKET,
        SocketConstants.SO_PASSCRED,
        option,
        4,
      ),
    );
    const { address, length } = unixAddress(path);
    check("bind", libc.symbols.bind(fd, address, length), path);
  });
}

/**
 * Receives one datagram from a non-blocking socket.
 *
 * @example Usage
 * ```ts
 * import { bindDatagramSocket, receiveDatagram } from "./datagram_socket.ts";
 * const fd = bindDatagramSocket(`/tmp/askpw-recv-${Deno.pid}.sock`);
 * receiveDatagram(fd, 2049); // null: nothing queued
 * ```
 * @param fd The socket.
 * @param capacity Largest datagram accepted (longer ones are truncated).
 * @returns The datagram, or `null` when none is queued.
 * @throws {SystemCallError} On errors other than EAGAIN.
 */
export function receiveDatagram(fd: number, capacity: number): Uint8Array | null {
  const buffer = new Uint8Array(capacity);
  const n = Number(libc.symbols.recv(fd, buffer, BigInt(capacity), SocketConstants.MSG_DONTWAIT));
  if (n >= 0) return buffer.slice(0, n);
  const errno = lastErrno();
  if (errno === 11) return null;
  throw new SystemCallError("recv", errno);
}
