/**
 * The answer datagram (`+password\0`, `+pw1\0pw2\0…`, or `-`) and its
 * delivery to the asker's socket.
 *
 * @module
 */
import { SystemCallError } from "../ffi/errno.ts";
import { closeFd } from "../ffi/file_descriptor.ts";
import { connectDatagram, type DatagramSender, sendOnSocket } from "../ffi/datagram_socket.ts";
import { type Reactor, Readiness } from "../reactor/reactor.ts";
import { secretMemory } from "../secrets/secret_memory.ts";

/** Askers read at most LINE_MAX + 1 bytes; v257+ drops anything longer. */
export const MAX_REPLY_SIZE = 2049;

/** Longest typed password: `+`, 2047 bytes and the NUL fill 2049 bytes. */
export const MAX_PASSWORD_SIZE = 2047;

/**
 * Encodes passwords as `+pw1\0pw2\0…`: each password followed by one NUL, as
 * systemd's agents send them. Passwords that would push the datagram past
 * 2049 bytes are left out from the end (a cache may hold more than fits); a
 * lone password of exactly 2048 bytes is sent without its NUL. The datagram
 * is in secret memory: release it (delivery does).
 *
 * @example Usage
 * ```ts
 * import { encodePasswordReply } from "./reply.ts";
 * const bytes = encodePasswordReply([new Uint8Array([0x61])]); // "+a\0"
 * ```
 * @param passwords The passwords, in order of preference.
 * @returns The datagram.
 * @throws {RangeError} When not even the first password fits.
 */
export function encodePasswordReply(passwords: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let size = 1;
  let count = 0;
  for (const password of passwords) {
    if (size + password.length + 1 > MAX_REPLY_SIZE) break;
    size += password.length + 1;
    count++;
  }
  if (count === 0 && passwords.length > 0) {
    if (passwords[0].length + 1 !== MAX_REPLY_SIZE) {
      throw new RangeError(`A password of ${passwords[0].length} bytes does not fit a reply`);
    }
    const reply = secretMemory().allocate(MAX_REPLY_SIZE);
    reply[0] = 0x2b;
    reply.set(passwords[0], 1);
    return reply;
  }
  const reply = secretMemory().allocate(size);
  reply[0] = 0x2b; // '+'
  let offset = 1;
  for (const password of passwords.slice(0, count)) {
    reply.set(password, offset);
    offset += password.length + 1; // the NUL is already there
  }
  return reply;
}

/**
 * The cancel datagram `-`: the asker fails with ECANCELED.
 *
 * @example Usage
 * ```ts
 * import { encodeCancelReply } from "./reply.ts";
 * encodeCancelReply(); // Uint8Array [0x2d]
 * ```
 * @returns The datagram.
 */
export function encodeCancelReply(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([0x2d]);
}

/** How {@linkcode deliverReply} sends and waits. */
export interface DeliveryOptions {
  /** The socket answers are sent from (one per agent). */
  sender: DatagramSender;
  /** Waits for room in the asker's queue. */
  reactor: Reactor;
  /** Withdraws a reply that waits. */
  signal: AbortSignal;
  /** Called once when the reply has to wait. */
  onWaiting?: () => void;
}

/** What became of a reply. */
export type DeliveryOutcome =
  /** Delivered; `waited` when the asker's queue was full at first. */
  | { kind: "sent"; waited: boolean }
  /** The asker is gone (its socket removed or closed). */
  | { kind: "gone"; reason: string }
  /** The request was withdrawn while the reply waited for room. */
  | { kind: "cancelled" }
  /** Any other failure (e.g. EACCES). */
  | { kind: "failed"; reason: string };

/**
 * Sends `payload` to the asker's socket. When the asker's receive queue is
 * full (systemd's agent would lose the reply to EAGAIN), the reply waits in
 * the reactor for the socket to have room, until `signal` withdraws it. The
 * payload is wiped and released whatever the outcome.
 *
 * @example Usage
 * ```ts
 * import { deliverReply, encodeCancelReply } from "./reply.ts";
 * import { DatagramSender } from "../ffi/datagram_socket.ts";
 * import { Reactor } from "../reactor/reactor.ts";
 * await using reactor = new Reactor();
 * using sender = new DatagramSender();
 * const outcome = await deliverReply("/run/systemd/ask-password/sck.0", encodeCancelReply(), {
 *   sender,
 *   reactor,
 *   signal: new AbortController().signal,
 * });
 * ```
 * @param socketPath The request's `Socket=`.
 * @param payload The datagram.
 * @param options See {@linkcode DeliveryOptions}.
 * @returns What became of it.
 */
export async function deliverReply(
  socketPath: string,
  payload: Uint8Array<ArrayBuffer>,
  options: DeliveryOptions,
): Promise<DeliveryOutcome> {
  const { sender, reactor, signal, onWaiting } = options;
  let fd = -1;
  let waited = false;
  try {
    // The common case: one sendto() on the agent's shared socket.
    if (sender.send(socketPath, payload)) {
      return { kind: "sent", waited };
    }
    // A full queue: an unconnected socket cannot wait for room in one
    // receiver's queue, a connected one polls writable when there is room.
    fd = connectDatagram(socketPath);
    for (;;) {
      if (sendOnSocket(fd, payload)) return { kind: "sent", waited };
      if (!waited) {
        waited = true;
        onWaiting?.();
      }
      await reactor.ready(fd, Readiness.OUT, signal);
      if (signal.aborted) return { kind: "cancelled" };
    }
  } catch (error) {
    if (error instanceof SystemCallError) {
      const reason = `${error.call}: ${error.code}`;
      const gone = error.code === "ENOENT" || error.code === "ECONNREFUSED";
      return gone ? { kind: "gone", reason } : { kind: "failed", reason };
    }
    return { kind: "failed", reason: String(error) };
  } finally {
    secretMemory().release(payload);
    closeFd(fd);
  }
}
