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

import { englishWords, type LineEditorWords } from "./line_editor_words.ts";
import { LineEditorKeys, type LineOutcome } from "./line_editor_keys.ts";
import type { LineEditorOptions } from "./line_editor_options.ts";
import { type EchoMode, SecretEcho } from "./secret_echo.ts";
import { TypedSecret } from "./typed_secret.ts";

export type { EchoMode } from "./secret_echo.ts";
export type { LineOutcome } from "./line_editor_keys.ts";
export type { LineEditorOptions } from "./line_editor_options.ts";
export { englishWords, type LineEditorWords } from "./line_editor_words.ts";

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

const encoder = new TextEncoder();

const DEFAULT_MAX_BYTES = 2047;

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
  #secret: TypedSecret;
  #echo: SecretEcho;
  #keys: LineEditorKeys;
  #started = false;
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
    if (storage && storage.length < maxBytes) {
      throw new RangeError(
        `Cannot create line editor: storage of ${storage.length} bytes is under maxBytes`,
      );
    }
    this.#secret = new TypedSecret(
      storage ? storage.subarray(0, maxBytes) : new Uint8Array(maxBytes),
    );
    // Not a spread: a word given as undefined is not given.
    const words: LineEditorWords = {
      hint: options.words?.hint ?? englishWords.hint,
      noEcho: options.words?.noEcho ?? englishWords.noEcho,
      skipped: options.words?.skipped ?? englishWords.skipped,
      cancelled: options.words?.cancelled ?? englishWords.cancelled,
    };
    this.#echo = new SecretEcho(this.#secret, { mode, reveal, hint: words.hint });
    this.#keys = new LineEditorKeys(this.#secret, this.#echo, {
      noEcho: encoder.encode(words.noEcho),
      skipped: encoder.encode(words.skipped),
      cancelled: encoder.encode(words.cancelled),
    });
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
    if (this.#started) return new Uint8Array(0);
    return this.#echo.showHint();
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
    const out = this.#echo.output(bytes.length);
    for (let i = 0; i < bytes.length && this.#outcome === undefined; i++) {
      if (!this.#started) {
        this.#started = true;
        this.#echo.eraseHint(out);
      }
      this.#outcome = this.#keys.press(bytes[i]!, out);
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
    return this.#secret.value;
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
    return this.#echo.mode;
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
    return this.#echo.revealed;
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
    return this.#echo.conceal();
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
    this.#echo.forgetRevealed();
    this.#secret.wipe();
    this.#keys.forgetRefused();
  }
}
