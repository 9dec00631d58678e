/**
 * A pseudo-terminal playing the console: the agent gets the slave path, the
 * test reads the screen from the master and types into it.
 *
 * @module
 */
import { closeFd, openFile, OpenFlags, readFd, writeAll } from "../../src/ffi/file_descriptor.ts";
import { waitForEvents } from "../../src/ffi/poll.ts";
import { openPseudoTerminal } from "../../src/ffi/pty.ts";
import { getTerminalSettings, TermiosFlags } from "../../src/ffi/termios.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A console the test controls. */
export class PtyConsole implements Disposable {
  /** The slave device to hand to the agent. */
  readonly path: string;
  #master: number;
  #slave: number;
  #screen: number[] = [];

  /** Opens a new pty; we keep the slave open too, so it never hangs up by accident. */
  constructor() {
    const pty = openPseudoTerminal();
    this.#master = pty.master;
    this.path = pty.slavePath;
    this.#slave = openFile(
      pty.slavePath,
      OpenFlags.O_RDWR | OpenFlags.O_NOCTTY | OpenFlags.O_CLOEXEC,
    );
  }

  /** Everything written to the console so far, as bytes. */
  get bytes(): Uint8Array {
    this.#drain();
    return new Uint8Array(this.#screen);
  }

  /** Everything written to the console so far, decoded. */
  get text(): string {
    return decoder.decode(this.bytes);
  }

  /**
   * What the screen showed from byte offset `from` (as {@linkcode PtyConsole.waitFor} returns) on.
   *
   * @param from A byte offset.
   * @returns The text after it.
   */
  textFrom(from: number): string {
    return decoder.decode(this.bytes.slice(from));
  }

  /**
   * Waits until the screen shows `pattern` (searched from `from` on).
   *
   * @param pattern Text or regular expression.
   * @param timeoutMs Longest wait.
   * @param from Byte offset to start searching at.
   * @returns The byte offset just past the match.
   * @throws {Error} On timeout, with the screen in the message.
   */
  async waitFor(pattern: string | RegExp, timeoutMs = 10_000, from = 0): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.#drain();
      const text = decoder.decode(new Uint8Array(this.#screen.slice(from)));
      const match = typeof pattern === "string"
        ? (text.includes(pattern) ? { index: text.indexOf(pattern), length: pattern.length } : null)
        : (() => {
          const found = pattern.exec(text);
          return found ? { index: found.index, length: found[0].length } : null;
        })();
      if (match) {
        return from + encoder.encode(text.slice(0, match.index + match.length)).length;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${pattern}; screen: ${JSON.stringify(text)}`);
      }
      await waitForEvents([{ fd: this.#master }], Math.min(left, 50));
    }
  }

  /**
   * Types bytes (or text) into the console.
   *
   * @param input What the person types.
   */
  type(input: string | Uint8Array): void {
    writeAll(
      this.#master,
      (typeof input === "string" ? encoder.encode(input) : input) as Uint8Array<ArrayBuffer>,
    );
  }

  /** Whether the console is back in normal (canonical, echoing) mode. */
  get restored(): boolean {
    const view = new DataView(getTerminalSettings(this.#slave).bytes.buffer);
    const lflag = view.getUint32(12, true);
    return (lflag & TermiosFlags.ICANON) !== 0 && (lflag & TermiosFlags.ECHO) !== 0 &&
      (lflag & TermiosFlags.ISIG) !== 0;
  }

  /**
   * Waits until the agent has restored the terminal (it does so right after
   * writing its last bytes, so the screen can show the end a moment earlier).
   *
   * @param timeoutMs Longest wait.
   * @returns Whether the terminal is restored.
   */
  async waitRestored(timeoutMs = 5000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!this.restored) {
      if (performance.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  }

  /** Hangs up: closes both our ends, as when a serial cable is pulled. */
  hangUp(): void {
    closeFd(this.#slave);
    this.#slave = -1;
    closeFd(this.#master);
    this.#master = -1;
  }

  #drain(): void {
    if (this.#master < 0) return;
    const buffer = new Uint8Array(4096);
    for (;;) {
      let count: number | null;
      try {
        count = readFd(this.#master, buffer);
      } catch {
        return; // EIO: nobody has the slave open right now
      }
      if (!count) return;
      this.#screen.push(...buffer.subarray(0, count));
    }
  }

  /** Closes the pty. */
  [Symbol.dispose](): void {
    closeFd(this.#slave);
    closeFd(this.#master);
  }
}
