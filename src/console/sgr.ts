/**
 * The SGR escape sequences the console prompt colours with. Each starts with
 * a reset (`0;`), so that none inherits what the line showed before.
 *
 * @example Usage
 * ```ts
 * import { DIM, RESET } from "./sgr.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(`${DIM}hint${RESET}`, "\x1b[0;2mhint\x1b[0m");
 * ```
 *
 * @module
 */

/** Bold in the default colour: the prompt's message. */
export const HIGHLIGHT = "\x1b[0;1;39m";
/** Bright black: the prompt's hint. */
export const GREY = "\x1b[0;90m";
/** Faint: the summary line and the reveal key's note. */
export const DIM = "\x1b[0;2m";
/** Back to the terminal's defaults. */
export const RESET = "\x1b[0m";
/** Bold on a yellow ground: a warning that the eye finds at once. */
export const WARNING = "\x1b[0;1;30;43m";
