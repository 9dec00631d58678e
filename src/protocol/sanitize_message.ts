/**
 * Makes the `Message` of an ask file safe to print on a terminal.
 *
 * Any process that can write to the ask directory controls that text, so it
 * must not be able to move the cursor, retitle the window, fake a prompt on a
 * new line or reorder text with bidi controls.
 *
 * @example Usage
 * ```ts
 * import { sanitizeMessage } from "./sanitize_message.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sanitizeMessage("Disk\x1b[2J:"), "Disk\\x1b[2J:");
 * ```
 *
 * @module
 */

/** Longest result, in code points, the ellipsis included. */
const MAX_CODE_POINTS = 512;

/** How much of a Message a log line quotes (hostile ones can be 64 KiB). */
export const LOG_MESSAGE_CODE_POINTS = 200;
const ELLIPSIS = "\u2026";

/**
 * Makes an ask file's Message safe to print on a terminal.
 *
 * Every C0 control (U+0000–U+001F), DEL (U+007F) and C1 control
 * (U+0080–U+009F) is replaced by a visible `\xHH` escape, and the line and
 * paragraph separators (U+2028, U+2029), the bidi embeddings and overrides
 * (U+202A–U+202E), the bidi isolates (U+2066–U+2069) and lone surrogates by a
 * visible `\uHHHH` escape, so an administrator can see what was there. A
 * result longer than 512 code points is cut to 511 plus `"…"`, never inside an
 * escape. Substituting a default for an empty message is the caller's
 * business.
 *
 * Backslashes are left alone: systemd's own unit and device names contain
 * `\x2d` style escapes, which must stay readable.
 *
 * @param message The `Message` value from the ask file.
 * @param limit Longest result in code points (default 512).
 * @returns The message with nothing a terminal would interpret, at most 512
 * code points long.
 *
 * @example Usage
 * ```ts
 * import { sanitizeMessage } from "./sanitize_message.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sanitizeMessage("Passphrase for \u202edisk:"), "Passphrase for \\u202edisk:");
 * assert.equal(sanitizeMessage("line1\nline2"), "line1\\x0aline2");
 * assert.equal(sanitizeMessage("Passwort für 🔐:"), "Passwort für 🔐:");
 * ```
 */
export function sanitizeMessage(message: string, limit: number = MAX_CODE_POINTS): string {
  const pieces: string[] = [];
  const sizes: number[] = [];
  let count = 0;
  let cut = false;
  // Iterating by code point keeps surrogate pairs together and yields lone
  // surrogates on their own.
  for (const char of message) {
    const piece = neutralize(char);
    const size = piece === char ? 1 : piece.length;
    if (count + size > limit) {
      cut = true;
      break;
    }
    pieces.push(piece);
    sizes.push(size);
    count += size;
  }
  if (cut) {
    // Whole pieces only, so an escape is never cut in half.
    while (count > limit - 1) {
      pieces.pop();
      count -= sizes.pop()!;
    }
    pieces.push(ELLIPSIS);
  }
  return pieces.join("");
}

/** Returns `char` (one code point) or its visible escape form. */
function neutralize(char: string): string {
  const code = char.codePointAt(0)!;
  if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) {
    return `\\x${code.toString(16).padStart(2, "0")}`;
  }
  if (
    code === 0x2028 || code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    // Lone surrogates: encoding them for output would silently turn them
    // into U+FFFD.
    (code >= 0xd800 && code <= 0xdfff)
  ) {
    return `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return char;
}
