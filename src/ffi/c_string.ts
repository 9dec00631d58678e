/**
 * NUL-terminated C strings for paths passed to libc.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Encodes `text` as a NUL-terminated UTF-8 buffer for a `const char *` parameter.
 *
 * @example Usage
 * ```ts
 * import { cString } from "./c_string.ts";
 * cString("/run"); // Uint8Array [47, 114, 117, 110, 0]
 * ```
 * @param text The string; must not contain NUL.
 * @returns The encoded bytes followed by one NUL.
 * @throws {TypeError} When `text` contains a NUL character.
 */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  if (text.includes("\0")) throw new TypeError("A C string cannot contain NUL");
  const bytes = encoder.encode(text);
  const buffer = new Uint8Array(bytes.length + 1);
  buffer.set(bytes);
  return buffer;
}
