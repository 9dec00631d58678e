/**
 * The pure, I/O-free part of the console password prompt: a byte-level state
 * machine that turns bytes read from a terminal into the typed secret and the
 * bytes to write back, with the UX of systemd's `ask_password_tty`.
 *
 * The secret is kept in one preallocated `Uint8Array` and never turned into a
 * JS string, because strings are immutable and cannot be wiped.
 *
 * Optionally (`reveal: true`), Ctrl-R shows the typed characters of a masked
 * prompt and hides them again; the words it prints can be translated
 * (`words`).
 *
 * @example Usage
 * ```ts
 * import { LineEditor } from "./line_editor.ts";
 * import assert from "node:assert/strict";
 *
 * const editor = new LineEditor({ mode: "masked" });
 * const hint = editor.begin(); // print after "<message> "
 * assert.equal(hint.length, 24);
 *
 * const { outcome } = editor.feed(new Uint8Array([0x68, 0x69, 0x0d])); // "hi\r"
 * assert.equal(outcome, "submit");
 * assert.deepEqual(editor.value, new Uint8Array([0x68, 0x69]));
 * editor.wipe();
 * ```
 *
 * @module
 */

import { displayWidth } from "./display_width.ts";

/**
 * How typed characters are shown: one bullet per character (`"masked"`), the
 * characters themselves (`"echo"`) or nothing at all (`"silent"`).
 *
 * @example Usage
 * ```ts
 * import type { EchoMode } from "./line_editor.ts";
 *
 * const mode: EchoMode = "masked";
 * ```
 */
export type EchoMode = "masked" | "echo" | "silent";

/**
 * What a key press ended in: Enter (`"submit"`), Ctrl-D (`"skip"`) or Ctrl-C
 * (`"cancel"`).
 *
 * @example Usage
 * ```ts
 * import type { LineOutcome } from "./line_editor.ts";
 *
 * const outcome: LineOutcome = "submit";
 * ```
 */
export type LineOutcome = "submit" | "skip" | "cancel";

/**
 * Result of feeding bytes: bytes to write to the terminal and, when input
 * ended, why.
 *
 * @example Usage
 * ```ts
 * import { type FeedResult, LineEditor } from "./line_editor.ts";
 *
 * const result: FeedResult = new LineEditor({ mode: "echo" }).feed(new Uint8Array([0x04]));
 * console.log(result.outcome); // "skip"
 * ```
 */
export interface FeedResult {
  /** Bytes to write to the terminal, in order (may be empty). */
  output: Uint8Array;
  /** Why input ended; absent while the user is still typing. */
  outcome?: LineOutcome;
}

/**
 * Options for {@linkcode LineEditor}.
 *
 * @example Usage
 * ```ts
 * import { LineEditor, type LineEditorOptions } from "./line_editor.ts";
 *
 * const options: LineEditorOptions = { mode: "masked", maxBytes: 2047 };
 * const editor = new LineEditor(options);
 * ```
 */
export interface LineEditorOptions {
  /** How typed characters are shown initially. */
  mode: EchoMode;
  /**
   * Maximum number of secret bytes accepted.
   *
   * The default 2047 keeps the reply `"+" + secret + "\0"` within the 2049
   * bytes an asker reads; systemd's own 2048 overflows it.
   *
   * @default {2047}
   */
  maxBytes?: number;
  /**
   * Where the secret is kept (at least `maxBytes` long, zero-filled), e.g. a
   * slot of locked memory; a new array when omitted. {@linkcode LineEditor.wipe}
   * zeroes it, the caller frees it.
   */
  storage?: Uint8Array;
  /**
   * Whether Ctrl-R shows and hides the typed characters in masked mode;
   * otherwise (and in echo and silent mode) Ctrl-R rings the bell.
   *
   * The shown characters are erased again before input ends, so that the
   * secret never stays on screen: see {@linkcode LineEditor.conceal}.
   *
   * @default {false}
   */
  reveal?: boolean;
  /**
   * The words the editor prints, e.g. translated; those not given are
   * {@linkcode englishWords}.
   */
  words?: Partial<LineEditorWords>;
}

/**
 * The words a {@linkcode LineEditor} prints, each written as is (a trailing
 * space or newline included).
 *
 * @example Usage
 * ```ts
 * import { LineEditor, type LineEditorWords } from "./line_editor.ts";
 *
 * const german: LineEditorWords = {
 *   hint: "(Tabulator: keine Anzeige) ",
 *   noEcho: "(keine Anzeige) ",
 *   skipped: "(übersprungen)\n",
 *   cancelled: "(abgebrochen)\n",
 * };
 * const editor = new LineEditor({ mode: "masked", words: german });
 * ```
 */
export interface LineEditorWords {
  /** Shown after the message in masked mode until the first key. */
  hint: string;
  /** Shown when TAB, or backspace as the first key, turns echo off. */
  noEcho: string;
  /** Shown when Ctrl-D skips the question; ends the line. */
  skipped: string;
  /** Shown when Ctrl-C cancels the question; ends the line. */
  cancelled: string;
}

/**
 * The English words, the defaults of {@linkcode LineEditorOptions.words}:
 * systemd's own.
 *
 * @example Usage
 * ```ts
 * import { englishWords } from "./line_editor.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(englishWords.hint, "(press TAB for no echo) ");
 * ```
 */
export const englishWords: Readonly<LineEditorWords> = Object.freeze({
  hint: "(press TAB for no echo) ",
  noEcho: "(no echo) ",
  skipped: "(skipped)\n",
  cancelled: "(cancelled)\n",
});

const encoder = new TextEncoder();
const ERASE = encoder.encode("\b \b");
const BULLET = encoder.encode("\u2022");
// Shown in echo mode instead of bytes that are not a valid character, or are a
// C1 control a terminal might act on, so echoing never injects sequences.
const REPLACEMENT = encoder.encode("\ufffd");

const DEFAULT_MAX_BYTES = 2047;

const NUL = 0x00;
const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BEL = 0x07;
const BS = 0x08;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const CTRL_R = 0x12;
const CTRL_U = 0x15;
const ESC = 0x1b;
const DEL = 0x7f;

/** Where we are inside an escape sequence being swallowed. */
const ESCAPE_NONE = 0;
const ESCAPE_START = 1; // after ESC
const ESCAPE_CSI = 2; // after ESC [
const ESCAPE_SS3 = 3; // after ESC O

/**
 * Edits one line of secret input, byte by byte, the way systemd's tty agent
 * does, with three improvements: Ctrl-C cancels instead of killing the agent,
 * escape sequences (arrow keys…) are swallowed instead of partly ending up in
 * the password, and a multi-byte character that does not fit is refused
 * whole. With `reveal`, Ctrl-R toggles a masked prompt between bullets and
 * the typed characters.
 *
 * @example Usage
 * ```ts
 * import { LineEditor } from "./line_editor.ts";
 * import assert from "node:assert/strict";
 *
 * const editor = new LineEditor({ mode: "echo" });
 * assert.equal(editor.begin().length, 0); // no hint outside masked mode
 * const { output, outcome } = editor.feed(new Uint8Array([0x61, 0x7f, 0x62, 0x0a]));
 * // "a", erase it, "b", newline
 * assert.deepEqual(output, new Uint8Array([0x61, 0x08, 0x20, 0x08, 0x62, 0x0a]));
 * assert.equal(outcome, "submit");
 * assert.deepEqual(editor.value, new Uint8Array([0x62]));
 * editor.wipe();
 * ```
 */
export class LineEditor {
  /** The secret; bytes past `#length` are always zero. */
  #buffer: Uint8Array;
  /**
   * Byte length (1–4) of each character already shown, so that backspace
   * removes exactly what one "\b \b" erased even for invalid UTF-8.
   */
  #units: Uint8Array;
  #maxBytes: number;
  #mode: EchoMode;
  /** Whether Ctrl-R may reveal (the `reveal` option). */
  #reveal: boolean;
  /** Masked mode showing the typed characters instead of bullets. */
  #revealed = false;
  #hint: Uint8Array;
  /** Columns the hint takes: what erasing it takes. */
  #hintWidth: number;
  #noEcho: Uint8Array;
  #skipped: Uint8Array;
  #cancelled: Uint8Array;
  /** Number of secret bytes stored. */
  #length = 0;
  /**
   * End of the bytes grouped into shown characters; `[#shown, #length)` is
   * the start of a multi-byte character still waiting for its last byte.
   */
  #shown = 0;
  #unitCount = 0;
  /** Total length of the incomplete character at `#shown`, 0 if none. */
  #pendingNeed = 0;
  /** Whether a byte was ever stored (systemd's `dirty`). */
  #dirty = false;
  #started = false;
  #hintShown = false;
  #escape = ESCAPE_NONE;
  /** A refused multi-byte character whose remaining bytes are swallowed. */
  #refusedLead = 0;
  #refusedSeen = 0;
  #refusedNeed = 0;
  #outcome: LineOutcome | undefined;

  /**
   * Creates an editor with an empty, preallocated secret buffer.
   *
   * @param options How to show typed characters, how many bytes to accept,
   * whether Ctrl-R reveals and which words to print.
   * @throws {TypeError} If `options.mode` is not a known echo mode.
   * @throws {RangeError} If `options.maxBytes` is not a positive safe integer,
   * or `options.storage` is shorter than it.
   *
   * @example Usage
   * ```ts
   * import { LineEditor } from "./line_editor.ts";
   *
   * const editor = new LineEditor({ mode: "silent", maxBytes: 512 });
   * ```
   */
  constructor(options: LineEditorOptions) {
    const { mode, maxBytes = DEFAULT_MAX_BYTES, storage, reveal = false } = options;
    if (mode !== "masked" && mode !== "echo" && mode !== "silent") {
      throw new TypeError(`Cannot create line editor: unknown echo mode "${mode}"`);
    }
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new RangeError(
        `Cannot create line editor: maxBytes must be a positive integer, got ${maxBytes}`,
      );
    }
    this.#mode = mode;
    this.#maxBytes = maxBytes;
    if (storage && storage.length < maxBytes) {
      throw new RangeError(
        `Cannot create line editor: storage of ${storage.length} bytes is under maxBytes`,
      );
    }
    this.#buffer = storage ? storage.subarray(0, maxBytes) : new Uint8Array(maxBytes);
    this.#units = new Uint8Array(maxBytes);
    this.#reveal = reveal;
    // Not a spread: a word given as undefined is not given.
    const words: LineEditorWords = {
      hint: options.words?.hint ?? englishWords.hint,
      noEcho: options.words?.noEcho ?? englishWords.noEcho,
      skipped: options.words?.skipped ?? englishWords.skipped,
      cancelled: options.words?.cancelled ?? englishWords.cancelled,
    };
    this.#hint = encoder.encode(words.hint);
    this.#hintWidth = textWidth(words.hint);
    this.#noEcho = encoder.encode(words.noEcho);
    this.#skipped = encoder.encode(words.skipped);
    this.#cancelled = encoder.encode(words.cancelled);
  }

  /**
   * Returns the bytes to print right after `"<message> "`: the hint
   * (`"(press TAB for no echo) "` unless translated) in masked mode, nothing
   * otherwise.
   *
   * The caller adds colours around it if it wants to; the first fed byte
   * erases the hint again.
   *
   * @returns A fresh array with the hint bytes, empty outside masked mode or
   * once input has started.
   *
   * @example Usage
   * ```ts
   * import { LineEditor } from "./line_editor.ts";
   * import assert from "node:assert/strict";
   *
   * const hint = new LineEditor({ mode: "masked" }).begin();
   * assert.equal(new TextDecoder().decode(hint), "(press TAB for no echo) ");
   * ```
   */
  begin(): Uint8Array {
    if (this.#mode !== "masked" || this.#started) return new Uint8Array(0);
    this.#hintShown = true;
    return this.#hint.slice();
  }

  /**
   * Feeds bytes read from the terminal, in any chunking (even one byte of a
   * multi-byte sequence at a time).
   *
   * Processing stops at the first outcome; bytes after it are ignored, and
   * later calls return no output and the same outcome.
   *
   * @param bytes Bytes read from the terminal.
   * @returns The bytes to write to the terminal and, once input ended, why.
   *
   * @example Usage
   * ```ts
   * import { LineEditor } from "./line_editor.ts";
   * import assert from "node:assert/strict";
   *
   * const editor = new LineEditor({ mode: "silent" });
   * assert.equal(editor.feed(new Uint8Array([0x61])).outcome, undefined);
   * assert.equal(editor.feed(new Uint8Array([0x03])).outcome, "cancel");
   * editor.wipe();
   * ```
   */
  feed(bytes: Uint8Array): FeedResult {
    if (this.#outcome !== undefined) return { output: new Uint8Array(0), outcome: this.#outcome };
    const out = this.#output(bytes.length * BULLET.length + 16);
    for (let i = 0; i < bytes.length && this.#outcome === undefined; i++) {
      if (!this.#started) {
        this.#started = true;
        if (this.#hintShown) {
          this.#hintShown = false;
          // By columns: a translated hint may hold multi-byte characters.
          out.repeat(ERASE, this.#hintWidth);
        }
      }
      this.#step(bytes[i]!, out);
    }
    const output = out.finish();
    return this.#outcome === undefined ? { output } : { output, outcome: this.#outcome };
  }

  /**
   * The typed secret so far: a view into the internal buffer, not a copy.
   *
   * It may end with the first bytes of a character whose remaining bytes
   * have not arrived; like systemd, such bytes are kept.
   *
   * @returns A view of the stored secret bytes.
   *
   * @example Usage
   * ```ts
   * import { LineEditor } from "./line_editor.ts";
   * import assert from "node:assert/strict";
   *
   * const editor = new LineEditor({ mode: "masked" });
   * editor.feed(new Uint8Array([0x70, 0xc3, 0xa4])); // "pä"
   * assert.deepEqual(editor.value, new Uint8Array([0x70, 0xc3, 0xa4]));
   * editor.wipe();
   * ```
   */
  get value(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  /**
   * The current echo mode; TAB, or backspace as the first key, switches
   * masked and echo mode to silent.
   *
   * @returns The current echo mode.
   *
   * @example Usage
   * ```ts
   * import { LineEditor } from "./line_editor.ts";
   * import assert from "node:assert/strict";
   *
   * const editor = new LineEditor({ mode: "masked" });
   * editor.feed(new Uint8Array([0x09])); // TAB
   * assert.equal(editor.mode, "silent");
   * ```
   */
  get mode(): EchoMode {
    return this.#mode;
  }

  /**
   * Whether the typed characters are shown instead of bullets (Ctrl-R with
   * the `reveal` option); {@linkcode mode} stays `"masked"` meanwhile.
   *
   * @returns `true` while the typed characters are shown.
   *
   * @example Usage
   * ```ts
   * import { LineEditor } from "./line_editor.ts";
   * import assert from "node:assert/strict";
   *
   * const editor = new LineEditor({ mode: "masked", reveal: true });
   * editor.feed(new Uint8Array([0x61, 0x12])); // "a", Ctrl-R
   * assert.equal(editor.revealed, true);
   * assert.equal(editor.mode, "masked");
   * editor.wipe();
   * ```
   */
  get revealed(): boolean {
    return this.#revealed;
  }

  /**
   * Hides revealed characters again: returns the bytes that erase them and
   * show bullets instead, and goes back to masked. Write them before leaving
   * the prompt by another way than a key (a withdrawn request, a terminal
   * going away), so that the secret does not stay on screen; Enter, Ctrl-D
   * and Ctrl-C conceal by themselves.
   *
   * @returns A fresh array with the bytes to write, empty unless revealed.
   *
   * @example Usage
   * ```ts
   * import { LineEditor } from "./line_editor.ts";
   * import assert from "node:assert/strict";
   *
   * const editor = new LineEditor({ mode: "masked", reveal: true });
   * editor.feed(new Uint8Array([0x61, 0x12])); // "a", Ctrl-R: shows "a"
   * assert.equal(new TextDecoder().decode(editor.conceal()), "\b \b\u2022");
   * assert.equal(editor.revealed, false);
   * assert.equal(editor.conceal().length, 0);
   * editor.wipe();
   * ```
   */
  conceal(): Uint8Array {
    if (!this.#revealed) return new Uint8Array(0);
    const out = this.#output(this.#unitCount * (ERASE.length + BULLET.length));
    this.#concealTo(out);
    return out.finish();
  }

  /**
   * Overwrites the internal buffer with zeros; afterwards {@linkcode value}
   * is empty.
   *
   * @example Usage
   * ```ts
   * import { LineEditor } from "./line_editor.ts";
   * import assert from "node:assert/strict";
   *
   * const editor = new LineEditor({ mode: "masked" });
   * editor.feed(new Uint8Array([0x61, 0x62]));
   * const view = editor.value;
   * editor.wipe();
   * assert.deepEqual(view, new Uint8Array(2));
   * assert.equal(editor.value.length, 0);
   * ```
   */
  wipe(): void {
    this.#revealed = false;
    this.#buffer.fill(0);
    // The character lengths tell which characters were non-ASCII.
    this.#units.fill(0);
    this.#length = 0;
    this.#shown = 0;
    this.#unitCount = 0;
    this.#pendingNeed = 0;
    this.#clearRefused();
  }

  #step(b: number, out: Output): void {
    if (this.#escape !== ESCAPE_NONE && this.#continueEscape(b)) return;
    if (b < 0x20 || b === DEL) {
      this.#clearRefused();
      this.#control(b, out);
    } else {
      this.#printable(b, out);
    }
  }

  /** Returns whether `b` was swallowed as part of the current escape sequence. */
  #continueEscape(b: number): boolean {
    const state = this.#escape;
    this.#escape = ESCAPE_NONE;
    if (state === ESCAPE_START) {
      if (b === 0x5b) { // "["
        this.#escape = ESCAPE_CSI;
        return true;
      }
      if (b === 0x4f) { // "O"
        this.#escape = ESCAPE_SS3;
        return true;
      }
      // Alt+key. Control bytes are not swallowed so that Enter, Ctrl-C and
      // Ctrl-D always work; non-ASCII bytes would leave stray continuation
      // bytes behind.
      return b >= 0x20 && b <= 0x7e;
    }
    if (state === ESCAPE_CSI) {
      if (b >= 0x20 && b <= 0x3f) { // parameter or intermediate byte
        this.#escape = ESCAPE_CSI;
        return true;
      }
      return b >= 0x40 && b <= 0x7e; // final byte
    }
    // SS3: one final character (F1–F4, arrows in application mode).
    return b >= 0x20 && b <= 0x7e;
  }

  #control(b: number, out: Output): void {
    switch (b) {
      case CR:
      case LF:
      case NUL:
        // An incomplete character at the end stays in the secret (systemd
        // keeps such bytes); the line is over, so there is nothing to show.
        this.#concealTo(out);
        out.byte(LF);
        this.#outcome = "submit";
        return;
      case CTRL_D:
        this.#concealTo(out);
        out.bytes(this.#skipped);
        this.#outcome = "skip";
        return;
      case CTRL_C:
        this.#concealTo(out);
        out.bytes(this.#cancelled);
        this.#outcome = "cancel";
        return;
      case CTRL_U:
        this.#eraseAll(out);
        return;
      case BS:
      case DEL:
        this.#backspace(out);
        return;
      case TAB:
        if (this.#mode !== "silent") {
          const shownColumns = this.#shownColumns();
          this.#goSilent();
          // Now silent, so an interrupted character is grouped but not shown.
          this.#commitPending(out);
          out.repeat(ERASE, shownColumns);
          out.bytes(this.#noEcho);
          return;
        }
        break;
      case CTRL_R:
        if (this.#reveal && this.#mode === "masked") {
          // Like any control key, it ends an interrupted character, which is
          // then shown before the toggle.
          this.#commitPending(out);
          if (this.#revealed) {
            this.#concealTo(out);
          } else {
            out.repeat(ERASE, this.#unitCount);
            this.#revealed = true;
            this.#echoAll(out);
          }
          return;
        }
        break;
      case ESC:
        this.#commitPending(out);
        this.#escape = ESCAPE_START;
        // One bell per swallowed sequence tells the key was not taken.
        out.byte(BEL);
        return;
    }
    this.#commitPending(out);
    out.byte(BEL);
  }

  #eraseAll(out: Output): void {
    this.#dropPending();
    // One "\b \b" per character assumes each takes one column. Wide (CJK,
    // emoji) or zero-width (combining) characters would be mis-erased, which
    // only affects echo mode cosmetically; systemd does the same. Revealed
    // characters are erased by their width, since nothing of them may stay.
    out.repeat(ERASE, this.#shownColumns());
    this.#buffer.fill(0, 0, this.#length);
    this.#units.fill(0, 0, this.#unitCount);
    this.#length = 0;
    this.#shown = 0;
    this.#unitCount = 0;
  }

  #backspace(out: Output): void {
    if (this.#pendingNeed > 0) {
      // Nothing of an incomplete character was shown yet, so there is nothing
      // to erase on screen: just forget its bytes.
      this.#dropPending();
      return;
    }
    if (this.#unitCount > 0) {
      const size = this.#units[--this.#unitCount]!;
      this.#units[this.#unitCount] = 0;
      this.#length -= size;
      this.#shown = this.#length;
      if (this.#revealed) out.repeat(ERASE, this.#unitWidth(this.#length, size));
      else if (this.#mode !== "silent") out.bytes(ERASE);
      this.#buffer.fill(0, this.#length, this.#length + size);
      return;
    }
    if (!this.#dirty && this.#mode !== "silent") {
      // Backspace as the very first key is systemd's other way to go silent.
      this.#goSilent();
      out.bytes(this.#noEcho);
      return;
    }
    out.byte(BEL);
  }

  #printable(b: number, out: Output): void {
    if (this.#refusedNeed > 0) {
      if (isValidFollower(this.#refusedLead, this.#refusedSeen, b)) {
        if (++this.#refusedSeen === this.#refusedNeed) this.#clearRefused();
        return;
      }
      this.#clearRefused();
    }
    if (this.#pendingNeed > 0) {
      const index = this.#length - this.#shown;
      if (isValidFollower(this.#buffer[this.#shown]!, index, b)) {
        // Room for the whole character was checked at its first byte.
        this.#buffer[this.#length++] = b;
        if (index + 1 === this.#pendingNeed) this.#commitUnit(out, true);
        return;
      }
      this.#commitPending(out);
    }
    const need = sequenceLength(b);
    if (this.#length + need > this.#maxBytes) {
      out.byte(BEL);
      if (need > 1) {
        this.#refusedLead = b;
        this.#refusedSeen = 1;
        this.#refusedNeed = need;
      }
      return;
    }
    this.#buffer[this.#length++] = b;
    this.#dirty = true;
    if (need === 1) this.#commitUnit(out, b < 0x80);
    else this.#pendingNeed = need;
  }

  /** Groups an interrupted multi-byte sequence into one invalid character. */
  #commitPending(out: Output): void {
    if (this.#pendingNeed > 0) this.#commitUnit(out, false);
  }

  /** Makes `[#shown, #length)` one shown character and echoes it. */
  #commitUnit(out: Output, valid: boolean): void {
    const start = this.#shown;
    const end = this.#length;
    this.#units[this.#unitCount++] = end - start;
    this.#shown = end;
    this.#pendingNeed = 0;
    if (this.#mode === "masked" && !this.#revealed) {
      out.bytes(BULLET);
    } else if (this.#mode !== "silent") {
      if (valid && !this.#isC1(start, end - start)) out.range(this.#buffer, start, end);
      else out.bytes(REPLACEMENT);
    }
  }

  /** A new output buffer, wiped when it grows if it may hold typed characters. */
  #output(capacity: number): Output {
    return new Output(capacity, this.#mode === "echo" || this.#reveal);
  }

  #goSilent(): void {
    this.#mode = "silent";
    this.#revealed = false;
  }

  /** Columns the shown characters take, in the current mode. */
  #shownColumns(): number {
    if (this.#mode === "silent") return 0;
    // Echo mode erases one column per character, as systemd does.
    if (!this.#revealed) return this.#unitCount;
    let columns = 0;
    for (let i = 0, start = 0; i < this.#unitCount; i++) {
      columns += this.#unitWidth(start, this.#units[i]!);
      start += this.#units[i]!;
    }
    return columns;
  }

  /** Erases revealed characters and shows their bullets; no-op unless revealed. */
  #concealTo(out: Output): void {
    if (!this.#revealed) return;
    out.repeat(ERASE, this.#shownColumns());
    this.#revealed = false;
    out.repeat(BULLET, this.#unitCount);
  }

  /** Writes every shown character as echo mode writes it. */
  #echoAll(out: Output): void {
    for (let i = 0, start = 0; i < this.#unitCount; i++) {
      const size = this.#units[i]!;
      if (this.#isValidUnit(start, size)) out.range(this.#buffer, start, start + size);
      else out.bytes(REPLACEMENT);
      start += size;
    }
  }

  /**
   * Whether the character of `size` bytes at `start` is echoed as itself: a
   * whole UTF-8 sequence (followers were checked as they came) and no C1
   * control.
   */
  #isValidUnit(start: number, size: number): boolean {
    const lead = this.#buffer[start]!;
    if (size === 1) return lead < 0x80;
    return size === sequenceLength(lead) && !this.#isC1(start, size);
  }

  #isC1(start: number, size: number): boolean {
    return size === 2 && this.#buffer[start] === 0xc2 && this.#buffer[start + 1]! < 0xa0;
  }

  /** Columns the character of `size` bytes at `start` takes when echoed. */
  #unitWidth(start: number, size: number): number {
    // U+FFFD takes one column.
    if (!this.#isValidUnit(start, size)) return 1;
    const buffer = this.#buffer;
    let codePoint = size === 1 ? buffer[start]! : buffer[start]! & (0xff >> (size + 1));
    for (let i = 1; i < size; i++) codePoint = (codePoint << 6) | (buffer[start + i]! & 0x3f);
    return displayWidth(codePoint);
  }

  #dropPending(): void {
    this.#buffer.fill(0, this.#shown, this.#length);
    this.#length = this.#shown;
    this.#pendingNeed = 0;
  }

  #clearRefused(): void {
    this.#refusedLead = 0;
    this.#refusedSeen = 0;
    this.#refusedNeed = 0;
  }
}

/** Columns `text` takes on a terminal. */
function textWidth(text: string): number {
  let columns = 0;
  for (const character of text) columns += displayWidth(character.codePointAt(0)!);
  return columns;
}

/**
 * Returns how many bytes the UTF-8 character starting with `lead` has; 1 for
 * ASCII and for bytes that cannot start a character (those are kept as
 * one-byte invalid characters, as systemd keeps them).
 */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/**
 * Returns whether `b` is a valid byte number `index` (1-based after the lead)
 * of the character starting with `lead`; the narrower second-byte ranges rule
 * out overlong forms, surrogates and code points above U+10FFFF.
 */
function isValidFollower(lead: number, index: number, b: number): boolean {
  if (index === 1) {
    if (lead === 0xe0) return b >= 0xa0 && b <= 0xbf;
    if (lead === 0xed) return b >= 0x80 && b <= 0x9f;
    if (lead === 0xf0) return b >= 0x90 && b <= 0xbf;
    if (lead === 0xf4) return b >= 0x80 && b <= 0x8f;
  }
  return b >= 0x80 && b <= 0xbf;
}

/** A growable byte buffer for the terminal output of one feed() call. */
class Output {
  #buffer: Uint8Array;
  #length = 0;
  #mayHoldSecret: boolean;

  constructor(capacity: number, mayHoldSecret: boolean) {
    this.#buffer = new Uint8Array(capacity);
    this.#mayHoldSecret = mayHoldSecret;
  }

  byte(b: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = b;
  }

  bytes(src: Uint8Array): void {
    this.#reserve(src.length);
    this.#buffer.set(src, this.#length);
    this.#length += src.length;
  }

  range(src: Uint8Array, start: number, end: number): void {
    this.bytes(src.subarray(start, end));
  }

  repeat(src: Uint8Array, count: number): void {
    for (let i = 0; i < count; i++) this.bytes(src);
  }

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
