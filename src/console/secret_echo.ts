/**
 * What the console prompt shows of the typed secret: the hint, a bullet per
 * character or the characters themselves, and how to erase them again by the
 * columns they take.
 *
 * @module
 */

import { displayWidth } from "./display_width.ts";
import { EditorOutput } from "./editor_output.ts";
import type { TypedSecret } from "./typed_secret.ts";

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

const encoder = new TextEncoder();
const ERASE = encoder.encode("\b \b");
const BULLET = encoder.encode("\u2022");

/**
 * Shows a {@linkcode TypedSecret} as its echo mode says, and erases it again.
 * One "\b \b" per character assumes each takes one column: wide (CJK, emoji)
 * or zero-width (combining) characters would be mis-erased, which only
 * affects echo mode cosmetically; systemd does the same. Revealed characters
 * (Ctrl-R in masked mode) are erased by their width, since nothing of them may
 * stay on screen.
 *
 * @example Usage
 * ```ts
 * import { SecretEcho } from "./secret_echo.ts";
 * import { TypedSecret } from "./typed_secret.ts";
 * import assert from "node:assert/strict";
 *
 * const secret = new TypedSecret(new Uint8Array(8));
 * const echo = new SecretEcho(secret, { mode: "masked", reveal: true, hint: "" });
 * const out = echo.output(1);
 * secret.append(0x61, 1);
 * echo.showLast(out);
 * assert.equal(new TextDecoder().decode(out.finish()), "\u2022");
 * ```
 */
export class SecretEcho {
  #secret: TypedSecret;
  #mode: EchoMode;
  /** Whether Ctrl-R may reveal (the `reveal` option). */
  #reveal: boolean;
  /** Masked mode showing the typed characters instead of bullets. */
  #revealed = false;
  #hint: Uint8Array;
  /** Columns the hint takes: what erasing it takes. */
  #hintWidth: number;
  #hintShown = false;

  /**
   * Creates the echo of `secret`.
   *
   * @param secret What is shown.
   * @param options The echo mode to start in, whether Ctrl-R may reveal, and
   * the hint shown in masked mode until the first key.
   *
   * @example Usage
   * ```ts
   * import { SecretEcho } from "./secret_echo.ts";
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * new SecretEcho(new TypedSecret(new Uint8Array(8)), { mode: "echo", reveal: false, hint: "" });
   * ```
   */
  constructor(secret: TypedSecret, options: { mode: EchoMode; reveal: boolean; hint: string }) {
    this.#secret = secret;
    this.#mode = options.mode;
    this.#reveal = options.reveal;
    this.#hint = encoder.encode(options.hint);
    this.#hintWidth = textWidth(options.hint);
  }

  /**
   * The current echo mode.
   *
   * @returns The current echo mode.
   *
   * @example Usage
   * ```ts
   * import { SecretEcho } from "./secret_echo.ts";
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * new SecretEcho(new TypedSecret(new Uint8Array(8)), { mode: "echo", reveal: false, hint: "" })
   *   .mode; // "echo"
   * ```
   */
  get mode(): EchoMode {
    return this.#mode;
  }

  /**
   * Whether the typed characters are shown instead of bullets.
   *
   * @returns `true` while revealed.
   *
   * @example Usage
   * ```ts
   * import { SecretEcho } from "./secret_echo.ts";
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * new SecretEcho(new TypedSecret(new Uint8Array(8)), { mode: "masked", reveal: true, hint: "" })
   *   .revealed; // false
   * ```
   */
  get revealed(): boolean {
    return this.#revealed;
  }

  /**
   * Whether Ctrl-R toggles: the `reveal` option, in masked mode.
   *
   * @returns `true` if {@linkcode SecretEcho.toggleReveal} may be called.
   *
   * @example Usage
   * ```ts
   * import { SecretEcho } from "./secret_echo.ts";
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * new SecretEcho(new TypedSecret(new Uint8Array(8)), { mode: "echo", reveal: true, hint: "" })
   *   .canReveal; // false
   * ```
   */
  get canReveal(): boolean {
    return this.#reveal && this.#mode === "masked";
  }

  /**
   * A new output buffer for the bytes `inputLength` input bytes may produce,
   * wiped when it grows if it may hold typed characters.
   *
   * @param inputLength How many bytes are fed.
   * @returns An empty output.
   *
   * @example Usage
   * ```ts
   * import { SecretEcho } from "./secret_echo.ts";
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * new SecretEcho(new TypedSecret(new Uint8Array(8)), { mode: "echo", reveal: false, hint: "" })
   *   .output(3);
   * ```
   */
  output(inputLength: number): EditorOutput {
    return this.#output(inputLength * BULLET.length + 16);
  }

  /**
   * Returns the hint in masked mode (a fresh array), nothing otherwise.
   *
   * @returns The bytes to print after the message.
   *
   * @example Usage
   * ```ts
   * import { SecretEcho } from "./secret_echo.ts";
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * new SecretEcho(new TypedSecret(new Uint8Array(8)), { mode: "masked", reveal: false, hint: "?" })
   *   .showHint(); // "?"
   * ```
   */
  showHint(): Uint8Array {
    if (this.#mode !== "masked") return new Uint8Array(0);
    this.#hintShown = true;
    return this.#hint.slice();
  }

  /**
   * Erases the hint if it was shown, by columns: a translated hint may hold
   * multi-byte characters.
   *
   * @param out Where to write.
   *
   * @example Usage
   * ```ts
   * import { SecretEcho } from "./secret_echo.ts";
   * import { TypedSecret } from "./typed_secret.ts";
   *
   * const echo = new SecretEcho(new TypedSecret(new Uint8Array(8)), {
   *   mode: "masked",
   *   reveal: false,
   *   hint: "?",
   * });
   * echo.showHint();
   * echo.eraseHint(echo.output(1)); // "\b \b"
   * ```
   */
  eraseHint(out: EditorOutput): void {
    if (!this.#hintShown) return;
    this.#hintShown = false;
    out.repeat(ERASE, this.#hintWidth);
  }

  /**
   * Shows the character the secret grouped last: a bullet, itself, or nothing.
   *
   * @param out Where to write.
   *
   * @example See {@linkcode SecretEcho}.
   */
  showLast(out: EditorOutput): void {
    if (this.#mode === "masked" && !this.#revealed) out.bytes(BULLET);
    else if (this.#mode !== "silent") this.#secret.echoLast(out);
  }

  /**
   * Erases the secret's last character; call before removing it.
   *
   * @param out Where to write.
   *
   * @example See {@linkcode SecretEcho}.
   */
  eraseLast(out: EditorOutput): void {
    if (this.#revealed) out.repeat(ERASE, this.#secret.lastColumns());
    else if (this.#mode !== "silent") out.bytes(ERASE);
  }

  /**
   * Erases every shown character; call before clearing the secret.
   *
   * @param out Where to write.
   *
   * @example See {@linkcode SecretEcho}.
   */
  eraseAll(out: EditorOutput): void {
    out.repeat(ERASE, this.#columns());
  }

  /**
   * Erases every shown character and shows nothing from now on.
   *
   * @param out Where to write.
   *
   * @example See {@linkcode SecretEcho}.
   */
  silence(out: EditorOutput): void {
    const columns = this.#columns();
    this.#mode = "silent";
    this.#revealed = false;
    out.repeat(ERASE, columns);
  }

  /**
   * Replaces the bullets by the characters, or back (Ctrl-R).
   *
   * @param out Where to write.
   *
   * @example See {@linkcode SecretEcho}.
   */
  toggleReveal(out: EditorOutput): void {
    if (this.#revealed) {
      this.concealTo(out);
    } else {
      out.repeat(ERASE, this.#secret.count);
      this.#revealed = true;
      this.#secret.echoAll(out);
    }
  }

  /**
   * Returns the bytes that erase revealed characters and show their bullets,
   * empty unless revealed.
   *
   * @returns A fresh array with the bytes to write.
   *
   * @example See {@linkcode SecretEcho}.
   */
  conceal(): Uint8Array {
    if (!this.#revealed) return new Uint8Array(0);
    const out = this.#output(this.#secret.count * (ERASE.length + BULLET.length));
    this.concealTo(out);
    return out.finish();
  }

  /**
   * Erases revealed characters and shows their bullets; nothing unless
   * revealed.
   *
   * @param out Where to write.
   *
   * @example See {@linkcode SecretEcho}.
   */
  concealTo(out: EditorOutput): void {
    if (!this.#revealed) return;
    out.repeat(ERASE, this.#columns());
    this.#revealed = false;
    out.repeat(BULLET, this.#secret.count);
  }

  /**
   * Forgets that the characters were revealed, writing nothing (the secret is
   * being wiped).
   *
   * @example See {@linkcode SecretEcho}.
   */
  forgetRevealed(): void {
    this.#revealed = false;
  }

  #output(capacity: number): EditorOutput {
    return new EditorOutput(capacity, this.#mode === "echo" || this.#reveal);
  }

  /** Columns the shown characters take, in the current mode. */
  #columns(): number {
    if (this.#mode === "silent") return 0;
    // Echo mode erases one column per character, as systemd does.
    if (!this.#revealed) return this.#secret.count;
    return this.#secret.columns();
  }
}

/** Columns `text` takes on a terminal. */
function textWidth(text: string): number {
  let columns = 0;
  for (const character of text) columns += displayWidth(character.codePointAt(0)!);
  return columns;
}
