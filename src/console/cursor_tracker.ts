/**
 * Where the cursor is, relative to where the prompt line began, as a Linux
 * VT or an xterm moves it: printable characters advance by their display
 * width, a full row wraps only when the next character comes (deferred
 * wrap), backspace stops at the row's start. The summary line above a prompt
 * is rewritten this many rows up, so a long message or a long password that
 * wraps does not make the rewrite land on the prompt itself.
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
