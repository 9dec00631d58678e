/**
 * The bytes one call of the line editor writes to the terminal, gathered in a
 * buffer that grows, and that wipes what it leaves behind when it may hold
 * typed characters.
 *
 * @module
 */

/**
 * A growable byte buffer for the terminal output of one
 * {@linkcode LineEditor.feed} call (or one `conceal()`).
 *
 * @example Usage
 * ```ts
 * import { EditorOutput } from "./editor_output.ts";
 * import assert from "node:assert/strict";
 *
 * const out = new EditorOutput(1, false);
 * out.byte(0x61);
 * out.repeat(new Uint8Array([0x08]), 2);
 * assert.deepEqual(out.finish(), new Uint8Array([0x61, 0x08, 0x08]));
 * ```
 */
export class EditorOutput {
  #buffer: Uint8Array;
  #length = 0;
  #mayHoldSecret: boolean;

  /**
   * Creates an empty output.
   *
   * @param capacity Bytes to allocate at first; more are allocated as needed.
   * @param mayHoldSecret Whether typed characters may be written (echo mode,
   * revealing): then a buffer outgrown is zeroed before it is dropped.
   *
   * @example Usage
   * ```ts
   * import { EditorOutput } from "./editor_output.ts";
   *
   * const out = new EditorOutput(64, true);
   * ```
   */
  constructor(capacity: number, mayHoldSecret: boolean) {
    this.#buffer = new Uint8Array(capacity);
    this.#mayHoldSecret = mayHoldSecret;
  }

  /**
   * Appends one byte.
   *
   * @param b The byte.
   *
   * @example Usage
   * ```ts
   * import { EditorOutput } from "./editor_output.ts";
   *
   * new EditorOutput(1, false).byte(0x07);
   * ```
   */
  byte(b: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = b;
  }

  /**
   * Appends a copy of `src`.
   *
   * @param src The bytes.
   *
   * @example Usage
   * ```ts
   * import { EditorOutput } from "./editor_output.ts";
   *
   * new EditorOutput(1, false).bytes(new Uint8Array([0x61, 0x62]));
   * ```
   */
  bytes(src: Uint8Array): void {
    this.#reserve(src.length);
    this.#buffer.set(src, this.#length);
    this.#length += src.length;
  }

  /**
   * Appends a copy of `src` from `start` up to (not including) `end`.
   *
   * @param src The bytes.
   * @param start Index of the first byte to copy.
   * @param end Index after the last byte to copy.
   *
   * @example Usage
   * ```ts
   * import { EditorOutput } from "./editor_output.ts";
   *
   * new EditorOutput(1, false).range(new Uint8Array([0x61, 0x62]), 1, 2); // "b"
   * ```
   */
  range(src: Uint8Array, start: number, end: number): void {
    this.bytes(src.subarray(start, end));
  }

  /**
   * Appends `src` `count` times.
   *
   * @param src The bytes.
   * @param count How many times; nothing when 0.
   *
   * @example Usage
   * ```ts
   * import { EditorOutput } from "./editor_output.ts";
   *
   * new EditorOutput(1, false).repeat(new TextEncoder().encode("\b \b"), 3);
   * ```
   */
  repeat(src: Uint8Array, count: number): void {
    for (let i = 0; i < count; i++) this.bytes(src);
  }

  /**
   * Returns what was appended.
   *
   * @returns A view of the appended bytes, not a copy.
   *
   * @example Usage
   * ```ts
   * import { EditorOutput } from "./editor_output.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new EditorOutput(8, false).finish().length, 0);
   * ```
   */
  finish(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buffer.length) return;
    let capacity = this.#buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.#buffer.subarray(0, this.#length));
    // In echo mode, and when revealing, the output contains typed characters:
    // do not leave a copy behind for the garbage collector.
    if (this.#mayHoldSecret) this.#buffer.fill(0);
    this.#buffer = next;
  }
}
