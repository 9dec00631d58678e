/**
 * "Byte strings": JavaScript strings whose every character is one byte
 * (0…255). The generator assembles files as byte strings because string
 * concatenation is cheap and lets raw bytes (invalid UTF-8, NUL) sit next to
 * text; {@linkcode byteStringToBytes} turns the result into the file.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * The UTF-8 encoding of `text` as a byte string.
 *
 * @example Usage
 * ```ts
 * import { utf8 } from "./byte_strings.ts";
 * console.assert(utf8("é") === "\xc3\xa9");
 * ```
 * @param text Any text (lone surrogates become U+FFFD, as TextEncoder does).
 * @returns One character per byte.
 */
export function utf8(text: string): string {
  return bytesToByteString(encoder.encode(text));
}

/**
 * A byte string from raw bytes.
 *
 * @param bytes The bytes.
 * @returns One character per byte.
 */
export function bytesToByteString(bytes: Uint8Array): string {
  let result = "";
  // Chunked: String.fromCharCode(...) has an argument-count limit.
  for (let offset = 0; offset < bytes.length; offset += 8192) {
    result += String.fromCharCode(...bytes.subarray(offset, offset + 8192));
  }
  return result;
}

/**
 * The bytes of a byte string.
 *
 * @example Usage
 * ```ts
 * import { byteStringToBytes } from "./byte_strings.ts";
 * console.assert(byteStringToBytes("\xff\n")[0] === 0xff);
 * ```
 * @param text A string whose characters are all below 256.
 * @returns A new array with one byte per character.
 */
export function byteStringToBytes(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index++) bytes[index] = text.charCodeAt(index);
  return bytes;
}
