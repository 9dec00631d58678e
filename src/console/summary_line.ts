/**
 * The summary line above a console prompt: what is asked, for which disk,
 * how long is left and who asks, with a warning such as Caps Lock in front,
 * cut to the terminal's width and rewritten in place as the seconds pass.
 *
 * @example Usage
 * ```ts
 * import { summaryLine } from "./summary_line.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(summaryLine("Disk sda5, 30 s left", undefined, false, 12), "Disk sda5,…");
 * ```
 *
 * @module
 */
import { displayWidth } from "./display_width.ts";
import { DIM, RESET, WARNING } from "./sgr.ts";

const encoder = new TextEncoder();

/**
 * What is asked, for which disk, how long is left and who asks, dim above
 * the prompt, so that a rogue asker shows for what it is.
 *
 * @example Usage
 * ```ts
 * import { summaryLine } from "./summary_line.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   summaryLine("Disk sda5", "Caps Lock is on", false, undefined),
 *   "Caps Lock is on  Disk sda5",
 * );
 * ```
 * @param summary The summary text (see `requestSummary`).
 * @param warning Shown first and never cut, e.g. that Caps Lock is on.
 * @param colors Whether to colour with SGR sequences.
 * @param columns The terminal's width, when known: the line is cut to fit.
 * @returns The line, without a line end.
 */
export function summaryLine(
  summary: string,
  warning: string | undefined,
  colors: boolean,
  columns: number | undefined,
): string {
  // The warning first, so that cutting a long line never cuts it off.
  const room = columns === undefined ? undefined : columns - 1;
  const rest = warning === undefined || room === undefined ? room : room - widthOf(warning) - 2;
  const text = rest === undefined ? summary : fitColumns(summary, Math.max(rest, 0));
  if (!warning) return colors ? `${DIM}${text}${RESET}` : text;
  return colors ? `${WARNING}${warning}${RESET}  ${DIM}${text}${RESET}` : `${warning}  ${text}`;
}

/**
 * The display columns of `text`.
 *
 * @example Usage
 * ```ts
 * import { widthOf } from "./summary_line.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(widthOf("ab"), 2);
 * ```
 * @param text The text.
 * @returns Its width in terminal columns.
 */
export function widthOf(text: string): number {
  let width = 0;
  for (const char of text) width += displayWidth(char.codePointAt(0)!);
  return width;
}

/** `text` cut to `columns` display columns, "…" marking a cut. */
function fitColumns(text: string, columns: number): string {
  if (widthOf(text) <= columns) return text;
  let width = 0;
  let result = "";
  for (const char of text) {
    const next = displayWidth(char.codePointAt(0)!);
    if (width + next > columns - 1) break;
    result += char;
    width += next;
  }
  return columns > 0 ? `${result}…` : "";
}

/**
 * Rewrites the line `rows` above the cursor (save, up, rewrite, clear the
 * rest, restore).
 *
 * @example Usage
 * ```ts
 * import { rewriteLineAbove } from "./summary_line.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = rewriteLineAbove("10 s left", 1);
 * assert.equal(new TextDecoder().decode(bytes), "\x1b7\x1b[1A\r10 s left\x1b[K\x1b8");
 * ```
 * @param line The new line, without a line end.
 * @param rows How many rows above the cursor it is.
 * @returns The bytes to write to the terminal.
 */
export function rewriteLineAbove(line: string, rows: number): Uint8Array<ArrayBuffer> {
  return encoder.encode(`\x1b7\x1b[${rows}A\r${line}\x1b[K\x1b8`);
}

/**
 * When the whole seconds left next change: `left` - 1 seconds before the
 * deadline.
 *
 * @example Usage
 * ```ts
 * import { nextSecond } from "./summary_line.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(nextSecond(10_000_000n, 3), 8_000_000n);
 * ```
 * @param notAfter The deadline on CLOCK_MONOTONIC, in microseconds.
 * @param left The whole seconds left now.
 * @returns The CLOCK_MONOTONIC time, in microseconds, of the next change.
 */
export function nextSecond(notAfter: bigint, left: number): bigint {
  return notAfter - BigInt(Math.max(left - 1, 0)) * 1_000_000n;
}
