/**
 * The options of the console line editor.
 *
 * @module
 */

import type { LineEditorWords } from "./line_editor_words.ts";
import type { EchoMode } from "./secret_echo.ts";

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
