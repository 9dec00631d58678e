/**
 * The answer datagram (`+password\0`, `+pw1\0pw2\0`, or `-`) and sending it.
 *
 * @module
 */
import { SystemCallError } from "../ffi/errno.ts";
import { sendDatagram } from "../ffi/socket.ts";

/** Askers read at most LINE_MAX + 1 bytes; v257+ drops anything longer. */
export const MAX_REPLY_SIZE = 2049;

/** Longest typed password: `+`, 2047 bytes and the NUL fill 2049 bytes. */
export const MAX_PASSWORD_SIZE = 2047;

/**
 * Encodes passwords as `+pw1\0pw2\0…`: each password followed by one NUL, as
 * systemd's agents send them. Passwords that would push the datagram past
 * 2049 bytes are left out from the end (a cache may hold more than fits); a
 * lone password of exactly 2048 bytes is sent without its NUL.
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
    const reply = new Uint8Array(MAX_REPLY_SIZE);
    reply[0] = 0x2b;
    reply.set(passwords[0], 1);
    return reply;
  }
  const reply = new Uint8Array(size);
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

/** What became of a reply. */
export type ReplyResult =
  | { sent: true }
  | { sent: false; askerGone: boolean; reason: string };

/**
 * Sends `payload` to the asker's socket and wipes it afterwards. An asker
 * that has gone (ENOENT, ECONNREFUSED) is reported, not thrown.
 *
 * @example Usage
 * ```ts
 * import { encodeCancelReply, sendReply } from "./reply.ts";
 * const result = sendReply("/run/systemd/ask-password/sck.0", encodeCancelReply());
 * if (!result.sent) console.log(result.reason);
 * ```
 * @param socketPath The request's `Socket=`.
 * @param payload The datagram; zeroed before returning.
 * @returns Whether it was sent, and why not.
 */
export function sendReply(socketPath: string, payload: Uint8Array<ArrayBuffer>): ReplyResult {
  try {
    sendDatagram(socketPath, payload);
    return { sent: true };
  } catch (error) {
    if (error instanceof SystemCallError) {
      const askerGone = error.code === "ENOENT" || error.code === "ECONNREFUSED";
      return { sent: false, askerGone, reason: `${error.call}: ${error.code}` };
    }
    return { sent: false, askerGone: false, reason: String(error) };
  } finally {
    payload.fill(0);
  }
}
