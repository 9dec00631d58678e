/**
 * A terminal opened for one prompt, whose settings are restored on every
 * exit path: `using`/dispose, and {@linkcode restoreAllTerminals} for signals.
 * Output never blocks: what the terminal does not take at once (a slow
 * serial line) waits in a small queue that the reactor flushes.
 *
 * @module
 */
import { closeFd, openFile, OpenFlags, readFd, writeSome } from "../ffi/file_descriptor.ts";
import {
  discardTypedInput,
  getTerminalSettings,
  setTerminalSettings,
  type TerminalSettings,
} from "../ffi/termios.ts";
import { type Reactor, Readiness, type Watch } from "../reactor/reactor.ts";

const open = new Set<Terminal>();
/** Output beyond this is dropped: a terminal that takes nothing is not worth memory. */
const MAX_QUEUED_OUTPUT = 64 * 1024;

/** A terminal device in password-prompt mode. */
export class Terminal implements Disposable {
  /** The device path. */
  readonly path: string;
  /** The non-blocking descriptor. */
  readonly fd: number;
  #original: TerminalSettings;
  #closed = false;
  #reactor: Reactor;
  #queued: Uint8Array<ArrayBuffer> | undefined;
  #drain: Watch | undefined;
  #failure: Error | undefined;

  /**
   * Opens `path` (never as our controlling terminal, never blocking),
   * switches it to prompt mode (byte by byte, no echo, no signals) and
   * discards anything typed before the prompt.
   *
   * @example Usage
   * ```ts
   * import { Terminal } from "./terminal.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * await using reactor = new Reactor();
   * try {
   *   using terminal = new Terminal("/dev/tty", reactor);
   *   terminal.write(new TextEncoder().encode("hello\n"));
   * } catch {
   *   // no terminal
   * }
   * ```
   * @param path The device.
   * @param reactor Flushes output the terminal could not take at once.
   * @throws {SystemCallError} When it cannot be opened or is not a terminal.
   */
  constructor(path: string, reactor: Reactor) {
    this.path = path;
    this.#reactor = reactor;
    this.fd = openFile(
      path,
      OpenFlags.O_RDWR | OpenFlags.O_NOCTTY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC,
    );
    try {
      this.#original = getTerminalSettings(this.fd);
      setTerminalSettings(this.fd, this.#original.forPasswordPrompt());
      discardTypedInput(this.fd);
    } catch (error) {
      closeFd(this.fd);
      throw error;
    }
    open.add(this);
  }

  /**
   * Writes bytes to the terminal, or queues them until it takes them.
   *
   * @param bytes What to write.
   * @throws {SystemCallError} When the terminal failed (e.g. EIO after a hang-up).
   */
  write(bytes: Uint8Array<ArrayBuffer>): void {
    if (this.#failure) throw this.#failure;
    if (this.#queued) {
      this.#enqueue(bytes);
      return;
    }
    const written = writeSome(this.fd, bytes) ?? 0;
    if (written < bytes.length) this.#enqueue(bytes.subarray(written));
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
    if (this.#queued) {
      // One last try for the final newline; whatever remains is dropped.
      try {
        writeSome(this.fd, this.#queued);
      } catch {
        // hung up
      }
      this.#queued.fill(0);
      this.#queued = undefined;
    }
    this.#drain?.close();
    try {
      setTerminalSettings(this.fd, this.#original);
    } catch {
      // The device hung up: nothing left to restore.
    }
    closeFd(this.fd);
  }

  #enqueue(bytes: Uint8Array): void {
    const queued = this.#queued?.length ?? 0;
    if (queued + bytes.length > MAX_QUEUED_OUTPUT) return;
    const joined = new Uint8Array(queued + bytes.length);
    if (this.#queued) {
      joined.set(this.#queued);
      this.#queued.fill(0);
    }
    joined.set(bytes, queued);
    this.#queued = joined;
    this.#drain ??= this.#reactor.watch(this.fd, Readiness.OUT, () => this.#flush());
  }

  #flush(): void {
    const queued = this.#queued;
    if (!queued) return;
    try {
      const written = writeSome(this.fd, queued) ?? 0;
      if (written < queued.length) {
        this.#queued = queued.slice(written);
        queued.fill(0);
        return;
      }
    } catch (error) {
      this.#failure = error as Error;
    }
    queued.fill(0);
    this.#queued = undefined;
    this.#drain?.close();
    this.#drain = undefined;
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
