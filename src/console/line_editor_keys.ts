/**
 * What each byte read from the terminal does to the typed secret and to the
 * screen: the keys of systemd's `ask_password_tty`, with escape sequences
 * swallowed and a multi-byte character that does not fit refused whole.
 *
 * @module
 */

import type { EditorOutput } from "./editor_output.ts";
import { EscapeSequenceFilter } from "./escape_sequence_filter.ts";
import type { SecretEcho } from "./secret_echo.ts";
import type { TypedSecret } from "./typed_secret.ts";
import { isValidFollower, sequenceLength } from "./utf8_sequence.ts";

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

/** The encoded words the keys print. */
interface KeyWords {
  noEcho: Uint8Array;
  skipped: Uint8Array;
  cancelled: Uint8Array;
}

/**
 * Applies key bytes, one at a time, to a {@linkcode TypedSecret} and its
 * {@linkcode SecretEcho}: Enter submits, Ctrl-D skips, Ctrl-C cancels (instead
 * of killing the agent), Ctrl-U erases the line, backspace the last character,
 * TAB (or backspace as the first key) turns echo off, Ctrl-R reveals when
 * allowed; any other control key, and each swallowed escape sequence, rings
 * the bell.
 *
 * @example Usage
 * ```ts
 * import { EditorOutput } from "./editor_output.ts";
 * import { LineEditorKeys } from "./line_editor_keys.ts";
 * import { SecretEcho } from "./secret_echo.ts";
 * import { TypedSecret } from "./typed_secret.ts";
 * import assert from "node:assert/strict";
 *
 * const secret = new TypedSecret(new Uint8Array(8));
 * const echo = new SecretEcho(secret, { mode: "echo", reveal: false, hint: "" });
 * const none = new Uint8Array(0);
 * const keys = new LineEditorKeys(secret, echo, { noEcho: none, skipped: none, cancelled: none });
 * const out = new EditorOutput(8, true);
 * assert.equal(keys.press(0x61, out), undefined);
 * assert.equal(keys.press(0x0d, out), "submit");
 * assert.deepEqual(out.finish(), new Uint8Array([0x61, 0x0a]));
 * ```
 */
export class LineEditorKeys {
  #secret: TypedSecret;
  #echo: SecretEcho;
  #words: KeyWords;
  /** Whether a byte was ever stored (systemd's `dirty`). */
  #dirty = false;
  #escape = new EscapeSequenceFilter();
  /** A refused multi-byte character whose remaining bytes are swallowed. */
  #refusedLead = 0;
  #refusedSeen = 0;
  #refusedNeed = 0;

  /**
   * Creates the keys of one prompt.
   *
   * @param secret Where typed bytes go.
   * @param echo What shows them.
   * @param words The encoded words printed when echo goes off and on skip and
   * cancel.
   *
   * @example Usage
   * See {@linkcode LineEditorKeys}.
   */
  constructor(secret: TypedSecret, echo: SecretEcho, words: KeyWords) {
    this.#secret = secret;
    this.#echo = echo;
    this.#words = words;
  }

  /**
   * Applies one byte read from the terminal.
   *
   * @param b The byte.
   * @param out Where the bytes to write to the terminal go.
   * @returns Why input ended, if this byte ended it.
   *
   * @example Usage
   * See {@linkcode LineEditorKeys}.
   */
  press(b: number, out: EditorOutput): LineOutcome | undefined {
    if (this.#escape.active && this.#escape.swallows(b)) return undefined;
    if (b < 0x20 || b === DEL) {
      this.forgetRefused();
      return this.#control(b, out);
    }
    this.#printable(b, out);
    return undefined;
  }

  /**
   * Forgets a refused character whose remaining bytes were being swallowed.
   *
   * @example Usage
   * See {@linkcode LineEditorKeys}.
   */
  forgetRefused(): void {
    this.#refusedLead = 0;
    this.#refusedSeen = 0;
    this.#refusedNeed = 0;
  }

  #control(b: number, out: EditorOutput): LineOutcome | undefined {
    switch (b) {
      case CR:
      case LF:
      case NUL:
        // An incomplete character at the end stays in the secret (systemd
        // keeps such bytes); the line is over, so there is nothing to show.
        this.#echo.concealTo(out);
        out.byte(LF);
        return "submit";
      case CTRL_D:
        this.#echo.concealTo(out);
        out.bytes(this.#words.skipped);
        return "skip";
      case CTRL_C:
        this.#echo.concealTo(out);
        out.bytes(this.#words.cancelled);
        return "cancel";
      case CTRL_U:
        this.#secret.dropPending();
        this.#echo.eraseAll(out);
        this.#secret.clear();
        return undefined;
      case BS:
      case DEL:
        this.#backspace(out);
        return undefined;
      case TAB:
        if (this.#echo.mode !== "silent") {
          this.#echo.silence(out);
          // Now silent, so an interrupted character is grouped but not shown.
          this.#secret.groupPending();
          out.bytes(this.#words.noEcho);
          return undefined;
        }
        break;
      case CTRL_R:
        if (this.#echo.canReveal) {
          // Like any control key, it ends an interrupted character, which is
          // then shown before the toggle.
          this.#groupPending(out);
          this.#echo.toggleReveal(out);
          return undefined;
        }
        break;
      case ESC:
        this.#groupPending(out);
        this.#escape.start();
        // One bell per swallowed sequence tells the key was not taken.
        out.byte(BEL);
        return undefined;
    }
    this.#groupPending(out);
    out.byte(BEL);
    return undefined;
  }

  #backspace(out: EditorOutput): void {
    if (this.#secret.pending) {
      // Nothing of an incomplete character was shown yet, so there is nothing
      // to erase on screen: just forget its bytes.
      this.#secret.dropPending();
      return;
    }
    if (this.#secret.count > 0) {
      this.#echo.eraseLast(out);
      this.#secret.removeLast();
      return;
    }
    if (!this.#dirty && this.#echo.mode !== "silent") {
      // Backspace as the very first key is systemd's other way to go silent;
      // nothing is shown yet, so nothing is erased.
      this.#echo.silence(out);
      out.bytes(this.#words.noEcho);
      return;
    }
    out.byte(BEL);
  }

  #printable(b: number, out: EditorOutput): void {
    if (this.#refusedNeed > 0) {
      if (isValidFollower(this.#refusedLead, this.#refusedSeen, b)) {
        if (++this.#refusedSeen === this.#refusedNeed) this.forgetRefused();
        return;
      }
      this.forgetRefused();
    }
    if (this.#secret.pending) {
      if (this.#secret.continuePending(b)) {
        if (!this.#secret.pending) this.#echo.showLast(out);
        return;
      }
      this.#groupPending(out);
    }
    const need = sequenceLength(b);
    if (!this.#secret.fits(need)) {
      out.byte(BEL);
      if (need > 1) {
        this.#refusedLead = b;
        this.#refusedSeen = 1;
        this.#refusedNeed = need;
      }
      return;
    }
    this.#secret.append(b, need);
    this.#dirty = true;
    if (!this.#secret.pending) this.#echo.showLast(out);
  }

  /** Groups an interrupted multi-byte sequence into one invalid character, and shows it. */
  #groupPending(out: EditorOutput): void {
    if (!this.#secret.pending) return;
    this.#secret.groupPending();
    this.#echo.showLast(out);
  }
}
