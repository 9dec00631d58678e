/**
 * How one typed character looks when echoed: itself, or U+FFFD when it is no
 * valid character or is a C1 control a terminal might act on, so that echoing
 * never injects sequences; and how many columns that takes.
 *
 * @module
 */

import { displayWidth } from "./display_width.ts";
import type { EditorOutput } from "./editor_output.ts";
import { decodeCodePoint, sequenceLength } from "./utf8_sequence.ts";

const REPLACEMENT = new TextEncoder().encode("\ufffd");

/**
 * Writes the character of `size` bytes at `start` in `bytes` as echo mode
 * shows it.
 *
 * @param out Where to write.
 * @param bytes Where the character is.
 * @param start Index of its first byte.
 * @param size Its length in bytes (followers were checked as they came).
 *
 * @example Usage
 * ```ts
 * import { EditorOutput } from "./editor_output.ts";
 * import { writeEchoedCharacter } from "./echoed_character.ts";
 * import assert from "node:assert/strict";
 *
 * const out = new EditorOutput(4, true);
 * writeEchoedCharacter(out, new Uint8Array([0xc2, 0x9b]), 0, 2); // CSI, a C1 control
 * assert.equal(new TextDecoder().decode(out.finish()), "\ufffd");
 * ```
 */
export function writeEchoedCharacter(
  out: EditorOutput,
  bytes: Uint8Array,
  start: number,
  size: number,
): void {
  if (isShownAsItself(bytes, start, size)) out.range(bytes, start, start + size);
  else out.bytes(REPLACEMENT);
}

/**
 * Returns the columns the character of `size` bytes at `start` in `bytes`
 * takes when echoed.
 *
 * @param bytes Where the character is.
 * @param start Index of its first byte.
 * @param size Its length in bytes.
 * @returns Its display width; 1 for U+FFFD.
 *
 * @example Usage
 * ```ts
 * import { echoedCharacterWidth } from "./echoed_character.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(echoedCharacterWidth(new Uint8Array([0xe4, 0xb8, 0xad]), 0, 3), 2); // "中"
 * ```
 */
export function echoedCharacterWidth(bytes: Uint8Array, start: number, size: number): number {
  // U+FFFD takes one column.
  if (!isShownAsItself(bytes, start, size)) return 1;
  return displayWidth(decodeCodePoint(bytes, start, size));
}

/**
 * Whether the character of `size` bytes at `start` is echoed as itself: a
 * whole UTF-8 sequence (followers were checked as they came) and no C1
 * control.
 */
function isShownAsItself(bytes: Uint8Array, start: number, size: number): boolean {
  const lead = bytes[start]!;
  if (size === 1) return lead < 0x80;
  return size === sequenceLength(lead) && !isC1(bytes, start, size);
}

function isC1(bytes: Uint8Array, start: number, size: number): boolean {
  return size === 2 && bytes[start] === 0xc2 && bytes[start + 1]! < 0xa0;
}
