/**
 * AF_UNIX datagram sockets: replies to askers, sd_notify, and the receiving
 * end used by tests and benchmarks.
 *
 * @module
 */
import { DescriptorFlags } from "./descriptor_flags.ts";
import { closeFd } from "./file.ts";
import { check, Errno, lastErrno, SystemCallError } from "./errno.ts";
import { libc } from "./libc.ts";

/** Socket constants (x86_64, asm-generic numbers). */
export const SocketConstants = {
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_NONBLOCK: DescriptorFlags.NONBLOCK,
  SOCK_CLOEXEC: DescriptorFlags.CLOEXEC,
  SOL_SOCKET: 1,
  SO_PASSCRED: 16,
  SO_PEERCRED: 17,
  SO_PASSPIDFD: 76,
  SO_PEERPIDFD: 77,
  SO_PASSRIGHTS: 83,
  SCM_RIGHTS: 1,
  SCM_CREDENTIALS: 2,
  SCM_PIDFD: 4,
  MSG_CTRUNC: 0x8,
  MSG_TRUNC: 0x20,
  MSG_DONTWAIT: 0x40,
  MSG_NOSIGNAL: 0x4000,
  MSG_CMSG_CLOEXEC: 0x40000000,
} as const;

const encoder = new TextEncoder();
const SOCKADDR_UN_SIZE = 110;

/**
 * Builds a `struct sockaddr_un` for a path, or for an abstract name when the
 * address starts with `@` (replaced by NUL, no trailing NUL, as sd_notify and
 * plymouth use them).
 *
 * @example Usage
 * ```ts
 * import { unixAddress } from "./socket.ts";
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

/** socket(AF_UNIX, type | SOCK_CLOEXEC [| SOCK_NONBLOCK]), closed again if `setUp` throws. */
function unixSocket(type: number, nonBlocking: boolean, setUp: (fd: number) => void): number {
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

/**
 * Sends one datagram to the AF_UNIX datagram socket at `path`, never blocking
 * (MSG_DONTWAIT) and never raising SIGPIPE (MSG_NOSIGNAL).
 *
 * @example Usage
 * ```ts
 * import { sendDatagram } from "./socket.ts";
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
  const fd = unixSocket(SocketConstants.SOCK_DGRAM, false, () => {});
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
   * import { DatagramSender } from "./socket.ts";
   * using sender = new DatagramSender();
   * ```
   * @throws {SystemCallError} When socket fails.
   */
  constructor() {
    this.#fd = unixSocket(SocketConstants.SOCK_DGRAM, true, () => {});
  }

  /**
   * Sends one datagram to `path` without blocking or raising SIGPIPE.
   *
   * @example Usage
   * ```ts
   * import { DatagramSender } from "./socket.ts";
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
 * import { connectDatagram } from "./socket.ts";
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
  return unixSocket(SocketConstants.SOCK_DGRAM, true, (fd) => {
    const { address, length } = unixAddress(path);
    check("connect", libc.symbols.connect(fd, address, length), path);
  });
}

/**
 * Sends one datagram on a connected socket without blocking or raising SIGPIPE.
 *
 * @example Usage
 * ```ts
 * import { connectDatagram, sendOnSocket } from "./socket.ts";
 * declare const path: string;
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
 * import { bindDatagramSocket } from "./socket.ts";
 * import { closeFd } from "./file.ts";
 * const fd = bindDatagramSocket(`/tmp/askpw-example-${Deno.pid}.sock`);
 * closeFd(fd);
 * ```
 * @param path Where to bind (must not exist).
 * @returns The socket descriptor.
 * @throws {SystemCallError} When socket, setsockopt or bind fails.
 */
export function bindDatagramSocket(path: string): number {
  return unixSocket(SocketConstants.SOCK_DGRAM, true, (fd) => {
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
 * import { bindDatagramSocket, receiveDatagram } from "./socket.ts";
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

/**
 * Connects a non-blocking AF_UNIX stream socket to `path` (or an `@abstract`
 * name, as plymouthd listens on).
 *
 * @example Usage
 * ```ts
 * import { connectStream } from "./socket.ts";
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
  return unixSocket(SocketConstants.SOCK_STREAM, true, (fd) => {
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
 * import { listenStream } from "./socket.ts";
 * import { closeFd } from "./file.ts";
 * closeFd(listenStream(`@askpw-example-${Deno.pid}`));
 * ```
 * @param path The address.
 * @param backlog Connections the kernel queues before accept.
 * @returns The listening socket.
 * @throws {SystemCallError} When socket, bind or listen fails.
 */
export function listenStream(path: string, backlog = 16): number {
  return unixSocket(SocketConstants.SOCK_STREAM, true, (fd) => {
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
 * import { acceptConnection, listenStream } from "./socket.ts";
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
 * import { connectStream, peerCredentials } from "./socket.ts";
 * declare const fd: number;
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
 * Sets an integer socket option that older kernels may not have
 * (SO_PASSPIDFD: 6.5, SO_PASSRIGHTS: 6.16).
 *
 * @example Usage
 * ```ts
 * import { setIntegerOption, SocketConstants } from "./socket.ts";
 * declare const fd: number;
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
 * The peer of a connected socket as a pidfd (SO_PEERPIDFD, Linux 6.5+).
 *
 * @example Usage
 * ```ts
 * import { peerPidfd } from "./socket.ts";
 * declare const fd: number;
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

/** One datagram received with its control messages sorted out. */
export interface ReceivedMessage {
  /** The payload (at most the capacity asked for). */
  bytes: Uint8Array;
  /** The datagram was longer than the capacity (MSG_TRUNC). */
  truncated: boolean;
  /** Control data did not fit (MSG_CTRUNC): passed descriptors may have been lost. */
  controlTruncated: boolean;
  /** SCM_CREDENTIALS, when SO_PASSCRED is on. */
  credentials?: PeerCredentials;
  /** SCM_PIDFD, when SO_PASSPIDFD is on: a pidfd of the sender (the caller closes it). */
  pidfd?: number;
  /** SCM_RIGHTS: descriptors the sender attached (the caller closes them). */
  fds: number[];
}

const CMSG_HEADER = 16;
const align8 = (n: number) => (n + 7) & ~7;

/**
 * Receives one datagram with recvmsg(2) and parses its control messages
 * (credentials, pidfd, passed descriptors; all received close-on-exec).
 *
 * @example Usage
 * ```ts
 * import { bindDatagramSocket, receiveMessage } from "./socket.ts";
 * const fd = bindDatagramSocket(`/tmp/askpw-recvmsg-${Deno.pid}.sock`);
 * receiveMessage(fd, 2049); // null: nothing queued
 * ```
 * @param fd A non-blocking socket.
 * @param capacity Payload bytes to receive; longer datagrams are cut and flagged.
 * @param into Where the payload goes (e.g. secret memory); a new buffer when omitted.
 * @returns The message, or `null` when none is queued.
 * @throws {SystemCallError} On errors other than EAGAIN.
 */
export function receiveMessage(
  fd: number,
  capacity: number,
  into: Uint8Array<ArrayBuffer> = new Uint8Array(capacity),
): ReceivedMessage | null {
  const payload = into.subarray(0, capacity);
  const control = new Uint8Array(512);
  // struct iovec (16 bytes) and struct msghdr (56 bytes).
  const iov = new BigUint64Array([
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(payload))),
    BigInt(capacity),
  ]);
  const header = new Uint8Array(56);
  const view = new DataView(header.buffer);
  view.setBigUint64(16, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(iov))), true);
  view.setBigUint64(24, 1n, true);
  view.setBigUint64(32, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(control))), true);
  view.setBigUint64(40, BigInt(control.length), true);
  const flags = SocketConstants.MSG_DONTWAIT | SocketConstants.MSG_TRUNC |
    SocketConstants.MSG_CMSG_CLOEXEC;
  const count = Number(libc.symbols.recvmsg(fd, header, flags));
  if (count < 0) {
    const errno = lastErrno();
    if (errno === Errno.EAGAIN) return null;
    throw new SystemCallError("recvmsg", errno);
  }
  const messageFlags = view.getInt32(48, true);
  const controlLength = Number(view.getBigUint64(40, true));
  const message: ReceivedMessage = {
    bytes: payload.subarray(0, Math.min(count, capacity)),
    truncated: (messageFlags & SocketConstants.MSG_TRUNC) !== 0 || count > capacity,
    controlTruncated: (messageFlags & SocketConstants.MSG_CTRUNC) !== 0,
    fds: [],
  };
  readControlMessages(control, controlLength, message);
  return message;
}

/**
 * Sends one datagram with descriptors attached (SCM_RIGHTS): what a hostile
 * replier does; askers refuse it (tests use this).
 *
 * @example Usage
 * ```ts
 * import { sendWithDescriptors } from "./socket.ts";
 * try {
 *   sendWithDescriptors("/run/nonexistent.sock", new Uint8Array([0x2b]), [0]);
 * } catch (error) {
 *   console.log(String(error)); // sendmsg …: ENOENT
 * }
 * ```
 * @param path The receiving socket.
 * @param payload The datagram.
 * @param fds Descriptors to pass.
 * @throws {SystemCallError} When sending fails (EPERM: the receiver set SO_PASSRIGHTS=0).
 */
export function sendWithDescriptors(
  path: string,
  payload: Uint8Array<ArrayBuffer>,
  fds: number[],
): void {
  const { address, length } = unixAddress(path);
  const fd = unixSocket(SocketConstants.SOCK_DGRAM, false, () => {});
  try {
    const control = rightsControl(fds);
    const iov = new BigUint64Array([
      BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(payload))),
      BigInt(payload.length),
    ]);
    const header = new Uint8Array(56);
    const view = new DataView(header.buffer);
    view.setBigUint64(0, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(address))), true);
    view.setUint32(8, length, true);
    view.setBigUint64(16, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(iov))), true);
    view.setBigUint64(24, 1n, true);
    view.setBigUint64(32, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(control))), true);
    view.setBigUint64(40, BigInt(control.length), true);
    const sent = Number(
      libc.symbols.sendmsg(fd, header, SocketConstants.MSG_NOSIGNAL | SocketConstants.MSG_DONTWAIT),
    );
    if (sent < 0) throw new SystemCallError("sendmsg", lastErrno(), path);
  } finally {
    closeFd(fd);
  }
}

/**
 * Reads an integer socket option that older kernels may not have
 * (SO_PASSPIDFD: 6.5, SO_PASSRIGHTS: 6.16).
 *
 * @example Usage
 * ```ts
 * import { integerOption, listenStream, SocketConstants } from "./socket.ts";
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

/** What one recvmsg(2) on a stream socket brought: bytes, and who sent them. */
export interface StreamChunk {
  /** Bytes read into the buffer; 0 at the end of the stream. */
  count: number;
  /** SCM_PIDFD, when SO_PASSPIDFD is on: a pidfd of the bytes' sender (the caller closes it). */
  pidfd?: number;
  /** SCM_CREDENTIALS, when SO_PASSCRED is on. */
  credentials?: PeerCredentials;
  /** SCM_RIGHTS: descriptors the sender attached (the caller closes them). */
  fds: number[];
  /**
   * Control data did not fit, or the kernel could not make the pidfd (MSG_CTRUNC);
   * what did not fit was never installed.
   */
  controlTruncated: boolean;
}

/** Room for a pidfd, credentials and a few dozen descriptors; the kernel discards the rest. */
const STREAM_CONTROL_BYTES = 512;

/**
 * Reads what a non-blocking stream socket holds now with recvmsg(2) and
 * sorts out the control messages that came with it (all received
 * descriptors close-on-exec). The kernel hands out the bytes of one sender
 * at a time when SO_PASSPIDFD or SO_PASSCRED is on, so the pidfd names the
 * sender of every byte read.
 *
 * @example Usage
 * ```ts
 * import { connectStream, listenStream, receiveFromStream } from "./socket.ts";
 * const path = `@askpw-stream-${Deno.pid}`;
 * listenStream(path);
 * receiveFromStream(connectStream(path), new Uint8Array(4096)); // null: nothing yet
 * ```
 * @param fd A connected, non-blocking stream socket.
 * @param into Where the bytes go (at most its length).
 * @returns The chunk, or `null` when nothing is there yet (EAGAIN).
 * @throws {SystemCallError} On errors other than EAGAIN and EINTR (e.g. ECONNRESET).
 */
export function receiveFromStream(fd: number, into: Uint8Array<ArrayBuffer>): StreamChunk | null {
  const control = new Uint8Array(STREAM_CONTROL_BYTES);
  // struct iovec (16 bytes) and struct msghdr (56 bytes).
  const iov = new BigUint64Array([
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(into))),
    BigInt(into.length),
  ]);
  const header = new Uint8Array(56);
  const view = new DataView(header.buffer);
  for (;;) {
    view.setBigUint64(16, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(iov))), true);
    view.setBigUint64(24, 1n, true);
    view.setBigUint64(32, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(control))), true);
    view.setBigUint64(40, BigInt(control.length), true);
    const flags = SocketConstants.MSG_DONTWAIT | SocketConstants.MSG_CMSG_CLOEXEC;
    const count = Number(libc.symbols.recvmsg(fd, header, flags));
    if (count < 0) {
      const errno = lastErrno();
      if (errno === Errno.EINTR) continue;
      if (errno === Errno.EAGAIN) return null;
      throw new SystemCallError("recvmsg", errno);
    }
    const chunk: StreamChunk = {
      count,
      fds: [],
      controlTruncated: (view.getInt32(48, true) & SocketConstants.MSG_CTRUNC) !== 0,
    };
    readControlMessages(control, Number(view.getBigUint64(40, true)), chunk);
    return chunk;
  }
}

/** One SCM_RIGHTS control message carrying `fds`, padded for msg_control. */
function rightsControl(fds: readonly number[]): Uint8Array<ArrayBuffer> {
  const controlLength = CMSG_HEADER + 4 * fds.length;
  const control = new Uint8Array(align8(controlLength));
  const cmsg = new DataView(control.buffer);
  cmsg.setBigUint64(0, BigInt(controlLength), true);
  cmsg.setInt32(8, SocketConstants.SOL_SOCKET, true);
  cmsg.setInt32(12, SocketConstants.SCM_RIGHTS, true);
  fds.forEach((passed, index) => cmsg.setInt32(CMSG_HEADER + 4 * index, passed, true));
  return control;
}

/** Sorts SOL_SOCKET control messages (credentials, a pidfd, descriptors) into `into`. */
function readControlMessages(
  control: Uint8Array<ArrayBuffer>,
  controlLength: number,
  into: { credentials?: PeerCredentials; pidfd?: number; fds: number[] },
): void {
  const cmsgs = new DataView(control.buffer);
  for (let offset = 0; offset + CMSG_HEADER <= controlLength;) {
    const length = Number(cmsgs.getBigUint64(offset, true));
    if (length < CMSG_HEADER || offset + length > controlLength) break;
    const level = cmsgs.getInt32(offset + 8, true);
    const type = cmsgs.getInt32(offset + 12, true);
    const data = offset + CMSG_HEADER;
    if (level === SocketConstants.SOL_SOCKET) {
      if (type === SocketConstants.SCM_CREDENTIALS && length >= CMSG_HEADER + 12) {
        into.credentials = {
          pid: cmsgs.getInt32(data, true),
          uid: cmsgs.getUint32(data + 4, true),
          gid: cmsgs.getUint32(data + 8, true),
        };
      } else if (type === SocketConstants.SCM_PIDFD && length >= CMSG_HEADER + 4) {
        into.pidfd = cmsgs.getInt32(data, true);
      } else if (type === SocketConstants.SCM_RIGHTS) {
        for (let at = data; at + 4 <= offset + length; at += 4) {
          into.fds.push(cmsgs.getInt32(at, true));
        }
      }
    }
    offset += align8(length);
  }
}

/**
 * Sends bytes with descriptors attached (SCM_RIGHTS) on a connected socket,
 * without blocking or raising SIGPIPE: what a caller that should not pass
 * descriptors does (tests use this).
 *
 * @example Usage
 * ```ts
 * import { connectStream, sendWithDescriptorsOn } from "./socket.ts";
 * declare const path: string;
 * try {
 *   sendWithDescriptorsOn(connectStream(path), new Uint8Array([0x7b, 0x7d, 0]), [0]);
 * } catch (error) {
 *   console.log(String(error)); // sendmsg: EPERM (…) when the receiver set SO_PASSRIGHTS=0
 * }
 * ```
 * @param fd A connected socket.
 * @param payload The bytes.
 * @param fds Descriptors to pass.
 * @returns How many bytes went (a stream socket may take fewer than all).
 * @throws {SystemCallError} When sending fails (EPERM: the receiver set SO_PASSRIGHTS=0; EAGAIN).
 */
export function sendWithDescriptorsOn(
  fd: number,
  payload: Uint8Array<ArrayBuffer>,
  fds: readonly number[],
): number {
  const control = rightsControl(fds);
  const iov = new BigUint64Array([
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(payload))),
    BigInt(payload.length),
  ]);
  const header = new Uint8Array(56);
  const view = new DataView(header.buffer);
  view.setBigUint64(16, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(iov))), true);
  view.setBigUint64(24, 1n, true);
  view.setBigUint64(32, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(control))), true);
  view.setBigUint64(40, BigInt(control.length), true);
  for (;;) {
    const sent = Number(
      libc.symbols.sendmsg(fd, header, SocketConstants.MSG_NOSIGNAL | SocketConstants.MSG_DONTWAIT),
    );
    if (sent >= 0) return sent;
    const errno = lastErrno();
    if (errno !== Errno.EINTR) throw new SystemCallError("sendmsg", errno);
  }
}
