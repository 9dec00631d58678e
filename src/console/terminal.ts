/**
 * A terminal opened for one prompt, whose settings are restored on every
 * exit path: `using`/dispose, and {@linkcode restoreAllTerminals} for signals.
 *
 * @module
 */
import { closeFd, openFile, OpenFlags, readFd, writeAll } from "../ffi/file.ts";
import { getTerminalSettings, setTerminalSettings, type TerminalSettings } from "../ffi/termios.ts";

const open = new Set<Terminal>();

/** A terminal device in password-prompt mode. */
export class Terminal implements Disposable {
  /** The device path. */
  readonly path: string;
  /** The non-blocking descriptor. */
  readonly fd: number;
  #original: TerminalSettings;
  #closed = false;

  /**
   * Opens `path` (never as our controlling terminal, never blocking) and
   * switches it to prompt mode: byte by byte, no echo, no signals.
   *
   * @example Usage
   * ```ts
   * import { Terminal } from "./terminal.ts";
   * try {
   *   using terminal = new Terminal("/dev/tty");
   *   terminal.write(new TextEncoder().encode("hello\n"));
   * } catch {
   *   // no terminal
   * }
   * ```
   * @param path The device.
   * @throws {SystemCallError} When it cannot be opened or is not a terminal.
   */
  constructor(path: string) {
    this.path = path;
    this.fd = openFile(
      path,
      OpenFlags.O_RDWR | OpenFlags.O_NOCTTY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC,
    );
    try {
      this.#original = getTerminalSettings(this.fd);
      setTerminalSettings(this.fd, this.#original.forPasswordPrompt());
    } catch (error) {
      closeFd(this.fd);
      throw error;
    }
    open.add(this);
  }

  /**
   * Writes bytes to the terminal.
   *
   * @param bytes What to write.
   * @throws {SystemCallError} When the write fails (e.g. after a hang-up).
   */
  write(bytes: Uint8Array<ArrayBuffer>): void {
    writeAll(this.fd, bytes);
  }

  /**
   * Reads what has been typed, without waiting.
   *
   * @param buffer Where the bytes go.
   * @returns Bytes read, 0 at end of input, `null` when nothing is there.
   * @throws {SystemCallError} When the read fails (EIO after a hang-up).
   */
  read(buffer: Uint8Array<ArrayBuffer>): number | null {
    return readFd(this.fd, buffer);
  }

  /** Restores the original settings and closes the device (idempotent). */
  [Symbol.dispose](): void {
    if (this.#closed) return;
    this.#closed = true;
    open.delete(this);
    try {
      setTerminalSettings(this.fd, this.#original);
    } catch {
      // The device hung up: nothing left to restore.
    }
    closeFd(this.fd);
  }
}

/**
 * Restores every terminal askpw has in prompt mode; for exit paths that
 * cannot unwind (a fatal signal, an uncaught error).
 *
 * @example Usage
 * ```ts
 * import { restoreAllTerminals } from "./terminal.ts";
 * restoreAllTerminals();
 * ```
 */
export function restoreAllTerminals(): void {
  for (const terminal of [...open]) terminal[Symbol.dispose]();
}
