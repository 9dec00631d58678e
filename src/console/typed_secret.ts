/**
 * The typed secret of the line editor: its bytes, grouped into the characters
 * shown for them, with what each character looks like when echoed.
 *
 * @module
 */

import { echoedCharacterWidth, writeEchoedCharacter } from "./echoed_character.ts";
import type { EditorOutput } from "./editor_output.ts";
import { isValidFollower } from "./utf8_sequence.ts";

/**
 * The secret bytes typed so far, kept in one preallocated array (never a JS
 * string, which could not be wiped), grouped into characters: a whole UTF-8
 * sequence, or an invalid byte or interrupted sequence, each shown as one
 * bullet or echoed as one character, so that backspace removes exactly what
 * one "\b \b" erased. The last character may be pending: the start of a
 * multi-byte sequence still waiting for its last byte.
 *
 * @example Usage
 * ```ts
 * import { TypedSecret } from "./typed_secret.ts";
 * import assert from "node:assert/strict";
 *
 * const secret = new TypedSecret(new Uint8Array(16));
 * secret.append(0xc3, 2); // "ä", first byte
 * assert.equal(secret.pending, true);
 * secret.continuePending(0xa4);
 * assert.equal(secret.count, 1);
 * assert.deepEqual(secret.value, new Uint8Array([0xc3, 0xa4]));
 * secret.wipe();
 * ```
 */
export class TypedSecret {
  /** The secret; bytes past `#length` are always zero. */
  #buffer: Uint8Array;
  /** Byte length (1–4) of each grouped character. */
  #units: Uint8Array;
  /** Number of secret bytes stored. */
  #length = 0;
  /**
   * End of the bytes grouped into characters; `[#shown, #length)` is the
   * start of a multi-byte character still waiting for its last byte.
   */
  #shown = 0;
  #count = 0;
  /** Total length of the incomplete character at `#shown`, 0 if none. */
  #pendingNeed = 0;

  /**
   * Creates an empty secret kept in `storage`.
   *
   * @param storage Zero-filled; its length is the most bytes the secret holds.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * const secret = new TypedSecret(new Uint8Array(2047));
   * ```
   */
  constructor(storage: Uint8Array) {
    this.#buffer = storage;
    this.#units = new Uint8Array(storage.length);
  }

  /**
   * The bytes typed so far, a pending character's first bytes included: a
   * view into the storage, not a copy.
   *
   * @returns A view of the stored secret bytes.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new TypedSecret(new Uint8Array(4)).value.length, 0);
   * ```
   */
  get value(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  /**
   * How many characters are grouped (and shown); a pending one is not counted.
   *
   * @returns The number of grouped characters.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   * import assert from "node:assert/strict";
   *
   * const secret = new TypedSecret(new Uint8Array(4));
   * secret.append(0x61, 1);
   * assert.equal(secret.count, 1);
   * ```
   */
  get count(): number {
    return this.#count;
  }

  /**
   * Whether the last bytes start a multi-byte character not yet complete.
   *
   * @returns `true` while a character waits for more bytes.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new TypedSecret(new Uint8Array(4)).pending, false);
   * ```
   */
  get pending(): boolean {
    return this.#pendingNeed > 0;
  }

  /**
   * Returns whether a character of `size` bytes still fits.
   *
   * @param size The character's length in bytes.
   * @returns `true` if there is room for all of it.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new TypedSecret(new Uint8Array(1)).fits(2), false);
   * ```
   */
  fits(size: number): boolean {
    return this.#length + size <= this.#buffer.length;
  }

  /**
   * Stores `lead`, the first byte of a character of `size` bytes (check
   * {@linkcode TypedSecret.fits} first): grouped at once when `size` is 1,
   * pending otherwise.
   *
   * @param lead The byte.
   * @param size The character's length, as `sequenceLength(lead)` gives it.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * new TypedSecret(new Uint8Array(4)).append(0x61, 1);
   * ```
   */
  append(lead: number, size: number): void {
    this.#buffer[this.#length++] = lead;
    if (size === 1) this.#group();
    else this.#pendingNeed = size;
  }

  /**
   * Stores `b` if it validly continues the pending character, which is
   * grouped once complete; stores nothing otherwise.
   *
   * @param b The byte read after the pending character's bytes.
   * @returns Whether `b` was stored.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   * import assert from "node:assert/strict";
   *
   * const secret = new TypedSecret(new Uint8Array(4));
   * secret.append(0xc3, 2);
   * assert.equal(secret.continuePending(0x61), false);
   * ```
   */
  continuePending(b: number): boolean {
    const index = this.#length - this.#shown;
    if (!isValidFollower(this.#buffer[this.#shown]!, index, b)) return false;
    // Room for the whole character was checked at its first byte.
    this.#buffer[this.#length++] = b;
    if (index + 1 === this.#pendingNeed) this.#group();
    return true;
  }

  /**
   * Groups an interrupted multi-byte sequence into one invalid character;
   * nothing when none is pending.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * const secret = new TypedSecret(new Uint8Array(4));
   * secret.append(0xc3, 2);
   * secret.groupPending(); // shown as U+FFFD when echoed
   * ```
   */
  groupPending(): void {
    if (this.#pendingNeed > 0) this.#group();
  }

  /**
   * Forgets (and zeroes) the bytes of a pending character.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * new TypedSecret(new Uint8Array(4)).dropPending();
   * ```
   */
  dropPending(): void {
    this.#buffer.fill(0, this.#shown, this.#length);
    this.#length = this.#shown;
    this.#pendingNeed = 0;
  }

  /**
   * Removes (and zeroes) the last grouped character; there must be one and
   * none pending.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * const secret = new TypedSecret(new Uint8Array(4));
   * secret.append(0x61, 1);
   * secret.removeLast();
   * ```
   */
  removeLast(): void {
    const size = this.#units[--this.#count]!;
    this.#units[this.#count] = 0;
    this.#length -= size;
    this.#shown = this.#length;
    this.#buffer.fill(0, this.#length, this.#length + size);
  }

  /**
   * Removes (and zeroes) every byte, the pending ones included.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * new TypedSecret(new Uint8Array(4)).clear();
   * ```
   */
  clear(): void {
    this.#buffer.fill(0, 0, this.#length);
    this.#units.fill(0, 0, this.#count);
    this.#length = 0;
    this.#shown = 0;
    this.#count = 0;
    this.#pendingNeed = 0;
  }

  /**
   * Zeroes the whole storage and the character lengths (which tell which
   * characters were non-ASCII); the secret is empty afterwards.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * new TypedSecret(new Uint8Array(4)).wipe();
   * ```
   */
  wipe(): void {
    this.#buffer.fill(0);
    this.#units.fill(0);
    this.#length = 0;
    this.#shown = 0;
    this.#count = 0;
    this.#pendingNeed = 0;
  }

  /**
   * Columns the grouped characters take when echoed.
   *
   * @returns The sum of their display widths.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   * import assert from "node:assert/strict";
   *
   * const secret = new TypedSecret(new Uint8Array(4));
   * secret.append(0xe4, 3);
   * secret.continuePending(0xb8);
   * secret.continuePending(0xad); // "中"
   * assert.equal(secret.columns(), 2);
   * ```
   */
  columns(): number {
    let columns = 0;
    for (let i = 0, start = 0; i < this.#count; i++) {
      columns += echoedCharacterWidth(this.#buffer, start, this.#units[i]!);
      start += this.#units[i]!;
    }
    return columns;
  }

  /**
   * Columns the last grouped character takes when echoed; there must be one
   * and none pending.
   *
   * @returns Its display width.
   *
   * @example Usage
   * ```ts
   * import { TypedSecret } from "./typed_secret.ts";
   * import assert from "node:assert/strict";
   *
   * const secret = new TypedSecret(new Uint8Array(4));
   * secret.append(0x61, 1);
   * assert.equal(secret.lastColumns(), 1);
   * ```
   */
  lastColumns(): number {
    const size = this.#units[this.#count - 1]!;
    return echoedCharacterWidth(this.#buffer, this.#length - size, size);
  }

  /**
   * Writes the last grouped character as echo mode shows it.
   *
   * @param out Where to write.
   *
   * @example Usage
   * ```ts
   * import { EditorOutput } from "./editor_output.ts";
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * const secret = new TypedSecret(new Uint8Array(4));
   * secret.append(0x61, 1);
   * secret.echoLast(new EditorOutput(4, true)); // "a"
   * ```
   */
  echoLast(out: EditorOutput): void {
    const size = this.#units[this.#count - 1]!;
    writeEchoedCharacter(out, this.#buffer, this.#shown - size, size);
  }

  /**
   * Writes every grouped character as echo mode shows it.
   *
   * @param out Where to write.
   *
   * @example Usage
   * ```ts
   * import { EditorOutput } from "./editor_output.ts";
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * new TypedSecret(new Uint8Array(4)).echoAll(new EditorOutput(4, true));
   * ```
   */
  echoAll(out: EditorOutput): void {
    for (let i = 0, start = 0; i < this.#count; i++) {
      const size = this.#units[i]!;
      writeEchoedCharacter(out, this.#buffer, start, size);
      start += size;
    }
  }

  /** Makes `[#shown, #length)` one character. */
  #group(): void {
    this.#units[this.#count++] = this.#length - this.#shown;
    this.#shown = this.#length;
    this.#pendingNeed = 0;
  }
}
