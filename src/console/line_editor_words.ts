/**
 * The words the console line editor prints, and their English defaults.
 *
 * @module
 */

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
 * import { englishWords } from "./line_editor_words.ts";
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
