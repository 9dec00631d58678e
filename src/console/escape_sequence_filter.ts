/**
 * Swallowing the escape sequences that keys such as the arrows send, so that
 * none of their bytes end up in a password.
 *
 * @module
 */

/** Where we are inside an escape sequence being swallowed. */
const ESCAPE_NONE = 0;
const ESCAPE_START = 1; // after ESC
const ESCAPE_CSI = 2; // after ESC [
const ESCAPE_SS3 = 3; // after ESC O

/**
 * Follows an escape sequence from its ESC to its final byte: CSI (`ESC [`
 * parameters, final byte), SS3 (`ESC O` and one character) and Alt+key
 * (`ESC` and one printable ASCII character).
 *
 * @example Usage
 * ```ts
 * import { EscapeSequenceFilter } from "./escape_sequence_filter.ts";
 * import assert from "node:assert/strict";
 *
 * const filter = new EscapeSequenceFilter();
 * filter.start(); // ESC read
 * assert.equal(filter.swallows(0x5b), true); // "["
 * assert.equal(filter.swallows(0x41), true); // "A": arrow up, done
 * assert.equal(filter.active, false);
 * ```
 */
export class EscapeSequenceFilter {
  #state = ESCAPE_NONE;

  /**
   * Whether an escape sequence has started and not yet ended.
   *
   * @returns `true` between an ESC and the end of its sequence.
   *
   * @example Usage
   * ```ts
   * import { EscapeSequenceFilter } from "./escape_sequence_filter.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new EscapeSequenceFilter().active, false);
   * ```
   */
  get active(): boolean {
    return this.#state !== ESCAPE_NONE;
  }

  /**
   * Notes that ESC was read: the bytes after it are checked by
   * {@linkcode EscapeSequenceFilter.swallows}.
   *
   * @example Usage
   * ```ts
   * import { EscapeSequenceFilter } from "./escape_sequence_filter.ts";
   *
   * new EscapeSequenceFilter().start();
   * ```
   */
  start(): void {
    this.#state = ESCAPE_START;
  }

  /**
   * Returns whether `b` is swallowed as part of the current escape sequence;
   * a byte that is not ends it, and is then handled as a key of its own.
   *
   * @param b The byte read after the ESC or the sequence's earlier bytes.
   * @returns `true` if `b` belongs to the sequence.
   *
   * @example Usage
   * ```ts
   * import { EscapeSequenceFilter } from "./escape_sequence_filter.ts";
   * import assert from "node:assert/strict";
   *
   * const filter = new EscapeSequenceFilter();
   * filter.start();
   * assert.equal(filter.swallows(0x0d), false); // Enter still works
   * ```
   */
  swallows(b: number): boolean {
    const state = this.#state;
    this.#state = ESCAPE_NONE;
    if (state === ESCAPE_START) {
      if (b === 0x5b) { // "["
        this.#state = ESCAPE_CSI;
        return true;
      }
      if (b === 0x4f) { // "O"
        this.#state = ESCAPE_SS3;
        return true;
      }
      // Alt+key. Control bytes are not swallowed so that Enter, Ctrl-C and
      // Ctrl-D always work; non-ASCII bytes would leave stray continuation
      // bytes behind.
      return b >= 0x20 && b <= 0x7e;
    }
    if (state === ESCAPE_CSI) {
      if (b >= 0x20 && b <= 0x3f) { // parameter or intermediate byte
        this.#state = ESCAPE_CSI;
        return true;
      }
      return b >= 0x40 && b <= 0x7e; // final byte
    }
    // SS3: one final character (F1–F4, arrows in application mode).
    return b >= 0x20 && b <= 0x7e;
  }
}
