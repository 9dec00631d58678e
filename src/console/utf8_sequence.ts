/**
 * What the line editor knows of UTF-8: how long a character is from its first
 * byte, which bytes may follow, and the code point a whole sequence encodes.
 *
 * @module
 */

/**
 * Returns how many bytes the UTF-8 character starting with `lead` has; 1 for
 * ASCII and for bytes that cannot start a character (those are kept as
 * one-byte invalid characters, as systemd keeps them).
 *
 * @param lead The first byte of a character.
 * @returns The length of the character in bytes, 1 to 4.
 *
 * @example Usage
 * ```ts
 * import { sequenceLength } from "./utf8_sequence.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sequenceLength(0xc3), 2); // "ä" is c3 a4
 * assert.equal(sequenceLength(0xc0), 1); // never starts a character
 * ```
 */
export function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/**
 * Returns whether `b` is a valid byte number `index` (1-based after the lead)
 * of the character starting with `lead`; the narrower second-byte ranges rule
 * out overlong forms, surrogates and code points above U+10FFFF.
 *
 * @param lead The first byte of the character.
 * @param index Which byte `b` would be, 1 for the one right after `lead`.
 * @param b The byte to check.
 * @returns `true` if `b` may continue the character there.
 *
 * @example Usage
 * ```ts
 * import { isValidFollower } from "./utf8_sequence.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isValidFollower(0xc3, 1, 0xa4), true);
 * assert.equal(isValidFollower(0xed, 1, 0xa0), false); // a surrogate
 * ```
 */
export function isValidFollower(lead: number, index: number, b: number): boolean {
  if (index === 1) {
    if (lead === 0xe0) return b >= 0xa0 && b <= 0xbf;
    if (lead === 0xed) return b >= 0x80 && b <= 0x9f;
    if (lead === 0xf0) return b >= 0x90 && b <= 0xbf;
    if (lead === 0xf4) return b >= 0x80 && b <= 0x8f;
  }
  return b >= 0x80 && b <= 0xbf;
}

/**
 * Returns the code point of the whole, valid UTF-8 sequence of `size` bytes
 * at `start` in `bytes`.
 *
 * @param bytes Where the sequence is.
 * @param start Index of its first byte.
 * @param size Its length in bytes, as {@linkcode sequenceLength} gives it.
 * @returns The code point it encodes.
 *
 * @example Usage
 * ```ts
 * import { decodeCodePoint } from "./utf8_sequence.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(decodeCodePoint(new Uint8Array([0x70, 0xc3, 0xa4]), 1, 2), 0xe4);
 * ```
 */
export function decodeCodePoint(bytes: Uint8Array, start: number, size: number): number {
  let codePoint = size === 1 ? bytes[start]! : bytes[start]! & (0xff >> (size + 1));
  for (let i = 1; i < size; i++) codePoint = (codePoint << 6) | (bytes[start + i]! & 0x3f);
  return codePoint;
}
