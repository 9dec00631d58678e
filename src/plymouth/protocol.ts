/**
 * plymouthd's boot protocol: request framing and reply parsing (plymouth
 * 0.8.4 … 26.x; see ply-boot-protocol.h). Pure functions, no I/O.
 *
 * @module
 */

/** Request types askpw sends. */
export const PlymouthRequest = {
  PING: 0x50, // 'P'
  PASSWORD: 0x2a, // '*'
  CACHED_PASSWORDS: 0x63, // 'c'
  QUESTION: 0x57, // 'W'
  SHOW_MESSAGE: 0x4d, // 'M'
  HIDE_MESSAGE: 0x6d, // 'm'
} as const;

/** Reply type bytes. */
export const PlymouthReplyType = {
  ACK: 0x06,
  NAK: 0x15,
  ANSWER: 0x02,
  MULTIPLE_ANSWERS: 0x09,
  NO_ANSWER: 0x05,
} as const;

/** plymouthd 22.02 aborts on a 255-byte argument (the length byte wraps). */
export const MAX_ARGUMENT_BYTES = 254;

/** The answer plymouthd gives when the person pressed Ctrl-C or Ctrl-D. */
export const CANCEL_ANSWER = 0x03;

/** A parsed reply. */
export type PlymouthReply =
  | { kind: "ack" }
  | { kind: "nak" }
  | { kind: "no-answer" }
  /** `multiple`: sent as MULTIPLE_ANSWERS (the reply to `c`), not ANSWER. */
  | { kind: "answer"; multiple: boolean; answers: Uint8Array[] };

/** A reply that does not follow the protocol. */
export class PlymouthProtocolError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "PlymouthProtocolError";
  }
}

const encoder = new TextEncoder();

/**
 * Cuts `text` to at most `limit` UTF-8 bytes without splitting a character.
 *
 * @example Usage
 * ```ts
 * import { truncateUtf8 } from "./protocol.ts";
 * truncateUtf8("ääh", 3).length; // 2 (bytes of "ä")
 * ```
 * @param text The text.
 * @param limit Largest byte count.
 * @returns The encoded, cut bytes.
 */
export function truncateUtf8(text: string, limit: number): Uint8Array {
  const bytes = encoder.encode(text);
  if (bytes.length <= limit) return bytes;
  let end = limit;
  // Step back over continuation bytes (10xxxxxx) to a character start.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.slice(0, end);
}

/**
 * Frames a request: `<type> 0x00` without an argument, else
 * `<type> 0x02 <length incl. NUL> <argument> 0x00`, the argument cut to 254 bytes
 * at a UTF-8 boundary and stripped of NULs.
 *
 * @example Usage
 * ```ts
 * import { encodeRequest, PlymouthRequest } from "./protocol.ts";
 * encodeRequest(PlymouthRequest.PING); // Uint8Array [0x50, 0x00]
 * ```
 * @param type A {@linkcode PlymouthRequest} byte.
 * @param argument The argument, if any.
 * @returns The bytes to send.
 */
export function encodeRequest(type: number, argument?: string): Uint8Array<ArrayBuffer> {
  if (argument === undefined) return new Uint8Array([type, 0x00]);
  const bytes = truncateUtf8(argument.replaceAll("\0", ""), MAX_ARGUMENT_BYTES);
  const frame = new Uint8Array(3 + bytes.length + 1);
  frame[0] = type;
  frame[1] = 0x02;
  frame[2] = bytes.length + 1;
  frame.set(bytes, 3);
  return frame;
}

/** Largest answer askpw accepts (systemd reads into 2048 bytes). */
const MAX_ANSWER_BYTES = 2048;

/**
 * Parses one reply from the start of `buffer`. Answers are views into
 * `buffer`, not copies (they hold secrets: the caller copies what it keeps
 * into secret memory and wipes `buffer`).
 *
 * @example Usage
 * ```ts
 * import { parseReply } from "./protocol.ts";
 * parseReply(new Uint8Array([0x06])); // { reply: { kind: "ack" }, length: 1 }
 * ```
 * @param buffer Bytes received so far.
 * @returns The reply and how many bytes it took, or `undefined` when more bytes are needed.
 * @throws {PlymouthProtocolError} On an unknown reply type or an oversized answer.
 */
export function parseReply(
  buffer: Uint8Array,
): { reply: PlymouthReply; length: number } | undefined {
  if (buffer.length === 0) return undefined;
  switch (buffer[0]) {
    case PlymouthReplyType.ACK:
      return { reply: { kind: "ack" }, length: 1 };
    case PlymouthReplyType.NAK:
      return { reply: { kind: "nak" }, length: 1 };
    case PlymouthReplyType.NO_ANSWER:
      return { reply: { kind: "no-answer" }, length: 1 };
    case PlymouthReplyType.ANSWER:
    case PlymouthReplyType.MULTIPLE_ANSWERS: {
      if (buffer.length < 5) return undefined;
      const size = new DataView(buffer.buffer, buffer.byteOffset, 5).getUint32(1, true);
      if (size > MAX_ANSWER_BYTES) {
        throw new PlymouthProtocolError(
          `answer of ${size} bytes is larger than ${MAX_ANSWER_BYTES}`,
        );
      }
      if (buffer.length < 5 + size) return undefined;
      const payload = buffer.subarray(5, 5 + size);
      const multiple = buffer[0] === PlymouthReplyType.MULTIPLE_ANSWERS;
      const answers = multiple ? splitAnswers(payload) : [payload];
      return { reply: { kind: "answer", multiple, answers }, length: 5 + size };
    }
    default:
      throw new PlymouthProtocolError(`unknown reply type 0x${buffer[0].toString(16)}`);
  }
}

/** MULTIPLE_ANSWERS: each answer NUL-terminated (a missing last NUL is tolerated). */
function splitAnswers(payload: Uint8Array): Uint8Array[] {
  const answers: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] !== 0) continue;
    answers.push(payload.subarray(start, i));
    start = i + 1;
  }
  if (start < payload.length) answers.push(payload.subarray(start));
  return answers;
}
