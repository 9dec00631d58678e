/**
 * recvmsg(2) and sendmsg(2) with control messages, on datagram and stream
 * sockets: the sender's credentials (SCM_CREDENTIALS), its pidfd (SCM_PIDFD)
 * and passed descriptors (SCM_RIGHTS).
 *
 * @module
 */
import { closeFd } from "./file_descriptor.ts";
import { Errno, lastErrno, SystemCallError } from "./errno.ts";
import { libc } from "./libc.ts";
import type { PeerCredentials } from "./peer_credentials.ts";
import { SocketConstants } from "./socket_constants.ts";
import { openUnixSocket, unixAddress } from "./unix_socket.ts";

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
 * import { bindDatagramSocket } from "./datagram_socket.ts";
 * import { receiveMessage } from "./ancillary_messages.ts";
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
 * import { sendWithDescriptors } from "./ancillary_messages.ts";
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
  const fd = openUnixSocket(SocketConstants.SOCK_DGRAM, false, () => {});
  try {
    const message = rightsMessage(payload, fds, { address, length });
    const { header } = message;
    const sent = Number(
      libc.symbols.sendmsg(fd, header, SocketConstants.MSG_NOSIGNAL | SocketConstants.MSG_DONTWAIT),
    );
    if (sent < 0) throw new SystemCallError("sendmsg", lastErrno(), path);
  } finally {
    closeFd(fd);
  }
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
 * import { connectStream, listenStream } from "./stream_socket.ts";
 * import { receiveFromStream } from "./ancillary_messages.ts";
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
 * import { connectStream } from "./stream_socket.ts";
 * import { sendWithDescriptorsOn } from "./ancillary_messages.ts";
 * const path = "/run/example";
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
  const message = rightsMessage(payload, fds);
  const { header } = message;
  for (;;) {
    const sent = Number(
      libc.symbols.sendmsg(fd, header, SocketConstants.MSG_NOSIGNAL | SocketConstants.MSG_DONTWAIT),
    );
    if (sent >= 0) return sent;
    const errno = lastErrno();
    if (errno !== Errno.EINTR) throw new SystemCallError("sendmsg", errno);
  }
}

/**
 * A `struct msghdr` (56 bytes) for one payload with SCM_RIGHTS control data,
 * to `to` (a datagram's address) or to the connected peer. `parts` holds what
 * the header points at: keep the result alive until sendmsg(2) returned.
 */
function rightsMessage(
  payload: Uint8Array<ArrayBuffer>,
  fds: readonly number[],
  to?: { address: Uint8Array<ArrayBuffer>; length: number },
): { header: Uint8Array<ArrayBuffer>; parts: unknown[] } {
  const pointer = (buffer: ArrayBufferView<ArrayBuffer>) =>
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
  const control = rightsControl(fds);
  const iov = new BigUint64Array([pointer(payload), BigInt(payload.length)]);
  const header = new Uint8Array(56);
  const view = new DataView(header.buffer);
  if (to) {
    view.setBigUint64(0, pointer(to.address), true); // msg_name
    view.setUint32(8, to.length, true); // msg_namelen
  }
  view.setBigUint64(16, pointer(iov), true); // msg_iov
  view.setBigUint64(24, 1n, true); // msg_iovlen
  view.setBigUint64(32, pointer(control), true); // msg_control
  view.setBigUint64(40, BigInt(control.length), true); // msg_controllen
  return { header, parts: [payload, iov, control, to?.address] };
}
