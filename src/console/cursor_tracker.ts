/**
 * Where the cursor is, relative to where the prompt line began, as a Linux
 * VT or an xterm moves it: printable characters advance by their display
 * width, a full row wraps only when the next character comes (deferred
 * wrap), backspace stops at the row's start. The summary line above a prompt
 * is rewritten this many rows up, so a long message or a long password that
 * wraps does not make the rewrite land on the prompt itself.
 *
 * It also fixes what a terminal does wrong with the line editor's erase
 * ("\b \b"): backspace at a row's start does not go up to the row above, and
 * backspace after the last column (a wrap pending) lands one cell too far
 * left. {@linkcode CursorTracker.render} turns such an erase into cursor
 * moves that erase the right cell, so a wrapped password or revealed text
 * leaves nothing behind.
 *
 * Bytes are decoded as numbers only: what is fed may hold typed characters.
 *
 * @module
 */
import { displayWidth } from "./display_width.ts";

/** Follows the cursor through bytes written after the start of a line. */
export class CursorTracker {
  #columns: number | undefined;
  #row = 0;
  #column = 0;
  /** A UTF-8 character in progress: its value so far and the bytes still due. */
  #codePoint = 0;
  #due = 0;
  /** Inside an escape sequence (colours): 1 after ESC, 2 inside CSI. */
  #escape = 0;

  /**
   * Starts at column 0 of the prompt's first row.
   *
   * @example Usage
   * ```ts
   * import { CursorTracker } from "./cursor_tracker.ts";
   * const tracker = new CursorTracker(80);
   * tracker.feed(new TextEncoder().encode("x".repeat(81)));
   * tracker.row; // 1
   * ```
   * @param columns The terminal's width; `undefined` when unknown (nothing wraps then).
   */
  constructor(columns: number | undefined) {
    this.#columns = columns;
  }

  /**
   * Rows below the prompt's first row.
   *
   * @returns The row.
   */
  get row(): number {
    return this.#row;
  }

  /**
   * Follows `bytes` written to the terminal.
   *
   * @param bytes What was written.
   */
  feed(bytes: Uint8Array): void {
    for (const byte of bytes) this.#byte(byte);
  }

  /**
   * The bytes to write for `bytes`, erases that cross a row's edge turned
   * into cursor moves, and follows them. Returns `bytes` itself when nothing
   * needed changing (always when the width is unknown), else a new array
   * (which the caller wipes when `bytes` may hold typed characters).
   *
   * @example Usage
   * ```ts
   * import { CursorTracker } from "./cursor_tracker.ts";
   * const tracker = new CursorTracker(4);
   * tracker.feed(new TextEncoder().encode("abcde"));
   * tracker.render(new TextEncoder().encode("\b \b\b \b")); // the second erase goes up a row
   * ```
   * @param bytes What the line editor wants written.
   * @returns What to write.
   */
  render(bytes: Uint8Array): Uint8Array {
    const columns = this.#columns;
    if (columns === undefined || !bytes.includes(0x08)) {
      this.feed(bytes);
      return bytes;
    }
    const moves = new TextEncoder().encode(`\x1b[${columns}G \x1b[${columns}G`);
    const up = new Uint8Array([0x1b, 0x5b, 0x41]); // ESC [ A
    const parts: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const erase = bytes[i] === 0x08 && bytes[i + 1] === 0x20 && bytes[i + 2] === 0x08 &&
        this.#escape === 0 && this.#due === 0;
      const pending = this.#column >= columns;
      const atRowStart = this.#column === 0 && this.#row > 0;
      if (erase && (pending || atRowStart)) {
        if (atRowStart) {
          parts.push(...up);
          this.#row--;
        }
        // To the last column, blank it, and stay there (no wrap pending).
        parts.push(...moves);
        this.#column = columns - 1;
        i += 2;
        continue;
      }
      parts.push(bytes[i]!);
      this.#byte(bytes[i]!);
    }
    const rendered = new Uint8Array(parts);
    parts.fill(0);
    return rendered;
  }

  #byte(byte: number): void {
    if (this.#escape === 1) {
      this.#escape = byte === 0x5b ? 2 : 0;
      return;
    }
    if (this.#escape === 2) {
      if (byte >= 0x40 && byte <= 0x7e) this.#escape = 0;
      return;
    }
    if (this.#due > 0 && (byte & 0xc0) === 0x80) {
      this.#codePoint = (this.#codePoint << 6) | (byte & 0x3f);
      if (--this.#due === 0) this.#advance(displayWidth(this.#codePoint));
      return;
    }
    this.#due = 0;
    if (byte === 0x1b) this.#escape = 1;
    else if (byte === 0x08) {
      this.#column = Math.max(Math.min(this.#column, this.#lastColumn()) - 1, 0);
    } else if (byte === 0x0d) this.#column = 0;
    else if (byte === 0x0a) {
      this.#row++;
      this.#column = 0;
    } else if (byte >= 0xc0 && byte < 0xf8) {
      this.#due = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : 1;
      this.#codePoint = byte & (byte >= 0xf0 ? 0x07 : byte >= 0xe0 ? 0x0f : 0x1f);
    } else if (byte >= 0x20 && byte !== 0x7f) this.#advance(1);
  }

  #lastColumn(): number {
    return this.#columns === undefined ? Number.MAX_SAFE_INTEGER : this.#columns - 1;
  }

  #advance(width: number): void {
    if (width === 0) return;
    const columns = this.#columns;
    if (columns !== undefined && this.#column + width > columns) {
      // The deferred wrap: the row was full, the next character starts a new one.
      this.#row++;
      this.#column = 0;
    }
    this.#column += width;
  }
}
