/**
 * A terminal screen for tests: bytes written to it are interpreted the way
 * xterm.js interprets them (cursor movement, wide and combining characters,
 * scrolling), so a test can check what a person would see rather than which
 * bytes were sent.
 *
 * @example Usage
 * ```ts
 * import { Screen } from "./screen.ts";
 * import assert from "node:assert/strict";
 *
 * const screen = new Screen(40, 5);
 * await screen.write(new TextEncoder().encode("abc\b \b"));
 * assert.equal(screen.text(), "ab");
 * screen.dispose();
 * ```
 *
 * @module
 */

import xterm from "@xterm/headless";

// The package is CommonJS: its exports are the default export's properties.
const { Terminal } = xterm;

/**
 * A headless terminal of a fixed size, with scrollback.
 *
 * @example Usage
 * ```ts
 * import { Screen } from "./screen.ts";
 * import assert from "node:assert/strict";
 *
 * using screen = new Screen(20, 3);
 * await screen.write(new TextEncoder().encode("Message: \u2022\u2022\n"));
 * assert.equal(screen.text(), "Message: \u2022\u2022");
 * ```
 */
export class Screen {
  #terminal: InstanceType<typeof Terminal>;

  /**
   * Creates an empty screen.
   *
   * @param cols Columns per line.
   * @param rows Lines on screen; lines scrolled off stay in the scrollback.
   * A lone `"\n"` also returns the cursor to the line start, as a tty's
   * output processing (`ONLCR`) makes it.
   *
   * @example Usage
   * ```ts
   * import { Screen } from "./screen.ts";
   *
   * using screen = new Screen(80, 24);
   * ```
   */
  constructor(cols: number, rows: number) {
    this.#terminal = new Terminal({
      cols,
      rows,
      scrollback: 1000,
      convertEol: true,
      // `buffer` is a "proposed" API in the headless build.
      allowProposedApi: true,
    });
  }

  /**
   * Writes bytes to the screen, as a program writes them to its terminal.
   *
   * @param bytes Output bytes, UTF-8 and control sequences.
   * @returns A promise resolved once the bytes have been interpreted.
   *
   * @example Usage
   * ```ts
   * import { Screen } from "./screen.ts";
   * import assert from "node:assert/strict";
   *
   * using screen = new Screen(20, 3);
   * await screen.write(new TextEncoder().encode("one\r\ntwo"));
   * assert.equal(screen.text(), "one\ntwo");
   * ```
   */
  write(bytes: Uint8Array): Promise<void> {
    // xterm.js may keep the array until it has parsed it: give it a copy.
    const copy = bytes.slice();
    return new Promise((resolve) => this.#terminal.write(copy, resolve));
  }

  /**
   * Returns what the whole buffer shows, scrollback included: its lines
   * without trailing blanks, joined by `"\n"`, without trailing empty lines.
   *
   * @returns The visible text.
   *
   * @example Usage
   * ```ts
   * import { Screen } from "./screen.ts";
   * import assert from "node:assert/strict";
   *
   * using screen = new Screen(10, 2);
   * await screen.write(new TextEncoder().encode("a\r\nb\r\nc\r\n"));
   * assert.equal(screen.text(), "a\nb\nc"); // "a" is in the scrollback
   * ```
   */
  text(): string {
    const buffer = this.#terminal.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < buffer.length; y++) {
      lines.push(buffer.getLine(y)?.translateToString(true).trimEnd() ?? "");
    }
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    return lines.join("\n");
  }

  /**
   * Frees the terminal.
   *
   * @example Usage
   * ```ts
   * import { Screen } from "./screen.ts";
   *
   * const screen = new Screen(80, 24);
   * screen.dispose();
   * ```
   */
  dispose(): void {
    this.#terminal.dispose();
  }

  /**
   * Frees the terminal at the end of a `using` block.
   *
   * @example Usage
   * ```ts
   * import { Screen } from "./screen.ts";
   *
   * {
   *   using _screen = new Screen(80, 24);
   * } // disposed here
   * ```
   */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
