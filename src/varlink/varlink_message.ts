/**
 * Varlink on the wire: JSON objects, each followed by a NUL byte, over a
 * stream socket. A call is `{"method": …, "parameters": {…}, "oneway"?,
 * "more"?}`; a reply `{"parameters": {…}}` or `{"error": …, "parameters":
 * {…}}`. Pure functions, no I/O.
 *
 * @module
 */

/** A call, as received. */
export interface VarlinkCall {
  /** Fully qualified method, e.g. `io.systemd.AskPassword.Ask`. */
  method: string;
  /** Its parameters (an object). */
  parameters: Record<string, unknown>;
  /** The caller wants no reply. */
  oneway: boolean;
  /** The caller accepts several replies. */
  more: boolean;
}

/** A message that is not a call: the connection is closed. */
export class VarlinkProtocolError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "VarlinkProtocolError";
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * JSON.parse's reviver: an integer written with more digits than a double
 * holds exactly (beyond 2^53, e.g. UINT64_MAX for "no timeout") becomes a
 * bigint with the exact value written; other numbers stay numbers.
 */
function exactIntegers(this: unknown, _key: string, value: unknown, context?: { source?: string }) {
  if (
    typeof value === "number" && !Number.isSafeInteger(value) && context?.source !== undefined &&
    /^-?\d+$/.test(context.source)
  ) {
    return BigInt(context.source);
  }
  return value;
}

/**
 * Parses one message (without its NUL) into a call. Integers beyond 2^53
 * arrive as bigint values in the parameters (with their exact value).
 *
 * @example Usage
 * ```ts
 * import { parseCall } from "./varlink_message.ts";
 * parseCall(new TextEncoder().encode('{"method":"org.varlink.service.GetInfo"}')).method;
 * ```
 * @param bytes The message.
 * @returns The call.
 * @throws {VarlinkProtocolError} On invalid UTF-8 or JSON, or a message that is not a call.
 */
export function parseCall(bytes: Uint8Array): VarlinkCall {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes), exactIntegers as Parameters<typeof JSON.parse>[1]);
  } catch {
    throw new VarlinkProtocolError("a message is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new VarlinkProtocolError("a message is not a JSON object");
  }
  const call = value as Record<string, unknown>;
  if (typeof call.method !== "string") throw new VarlinkProtocolError("a call names no method");
  const parameters = call.parameters ?? {};
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
    throw new VarlinkProtocolError("a call's parameters are not an object");
  }
  return {
    method: call.method,
    parameters: parameters as Record<string, unknown>,
    oneway: call.oneway === true,
    more: call.more === true,
  };
}

/**
 * A reply, framed; one that says more replies follow (to a `more` call)
 * carries `"continues":true`.
 *
 * @example Usage
 * ```ts
 * import { encodeReply } from "./varlink_message.ts";
 * encodeReply({ vendor: "askpw" }); // '{"parameters":{"vendor":"askpw"}}\0'
 * encodeReply({ step: 1 }, true); // '{"parameters":{"step":1},"continues":true}\0'
 * ```
 * @param parameters The reply's parameters.
 * @param continues More replies follow.
 * @returns The bytes to send.
 */
export function encodeReply(
  parameters: Record<string, unknown>,
  continues = false,
): Uint8Array<ArrayBuffer> {
  return frame(continues ? { parameters, continues } : { parameters });
}

/**
 * An error reply, framed. An error without parameters is sent without the
 * `parameters` key, as systemd sends it (`{"error":"…"}`).
 *
 * @example Usage
 * ```ts
 * import { encodeError } from "./varlink_message.ts";
 * encodeError("org.varlink.service.MethodNotFound", { method: "x.Y" });
 * ```
 * @param error The error's qualified name.
 * @param parameters Its parameters.
 * @returns The bytes to send.
 */
export function encodeError(
  error: string,
  parameters: Record<string, unknown> = {},
): Uint8Array<ArrayBuffer> {
  return frame(Object.keys(parameters).length === 0 ? { error } : { error, parameters });
}

/**
 * `{"parameters":{"passwords":[…]}}` and its NUL, written byte by byte into
 * `into` (secret memory): the passwords never become JavaScript strings,
 * which could not be wiped.
 *
 * @example Usage
 * ```ts
 * import { encodePasswordsReply } from "./varlink_message.ts";
 * const reply = encodePasswordsReply([new TextEncoder().encode("pw")], new Uint8Array(64));
 * ```
 * @param passwords The passwords (valid UTF-8).
 * @param into Where the reply is written.
 * @returns The reply: a view of `into`.
 * @throws {RangeError} When a password is not valid UTF-8 (JSON cannot carry
 * it) or the reply does not fit `into`.
 */
export function encodePasswordsReply(
  passwords: readonly Uint8Array[],
  into: Uint8Array,
): Uint8Array {
  let at = 0;
  const put = (byte: number) => {
    if (at >= into.length) throw new RangeError("the passwords do not fit the reply buffer");
    into[at++] = byte;
  };
  const putText = (text: string) => {
    for (const byte of encoder.encode(text)) put(byte);
  };
  putText('{"parameters":{"passwords":[');
  passwords.forEach((password, index) => {
    if (!isValidUtf8(password)) throw new RangeError("a password is not valid UTF-8");
    if (index > 0) put(0x2c);
    put(0x22);
    for (const byte of password) {
      if (byte === 0x22 || byte === 0x5c) {
        put(0x5c);
        put(byte);
      } else if (SHORT_ESCAPES[byte] !== undefined) {
        put(0x5c);
        put(SHORT_ESCAPES[byte]);
      } else if (byte < 0x20 || byte === 0x7f) {
        putText(`\\u${byte.toString(16).padStart(4, "0")}`);
      } else {
        put(byte);
      }
    }
    put(0x22);
  });
  putText("]}}");
  put(0);
  return into.subarray(0, at);
}

/** `\b`, `\t`, `\n`, `\f`, `\r`: written short, as systemd writes them; other control bytes as `\u00XX`. */
const SHORT_ESCAPES: Record<number, number> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };

function frame(message: Record<string, unknown>): Uint8Array<ArrayBuffer> {
  const json = encoder.encode(JSON.stringify(message));
  const bytes = new Uint8Array(json.length + 1);
  bytes.set(json);
  return bytes;
}

/** UTF-8 checked byte by byte (decoding would make the secret a string). */
function isValidUtf8(bytes: Uint8Array): boolean {
  for (let at = 0; at < bytes.length;) {
    const lead = bytes[at];
    const need = lead < 0x80
      ? 0
      : lead >= 0xc2 && lead <= 0xdf
      ? 1
      : lead >= 0xe0 && lead <= 0xef
      ? 2
      : lead >= 0xf0 && lead <= 0xf4
      ? 3
      : -1;
    if (need < 0 || at + need >= bytes.length) return false;
    for (let index = 1; index <= need; index++) {
      const byte = bytes[at + index];
      let low = 0x80;
      let high = 0xbf;
      if (index === 1) {
        if (lead === 0xe0) low = 0xa0;
        if (lead === 0xed) high = 0x9f;
        if (lead === 0xf0) low = 0x90;
        if (lead === 0xf4) high = 0x8f;
      }
      if (byte === undefined || byte < low || byte > high) return false;
    }
    at += need + 1;
  }
  return true;
}
