/**
 * Terminal settings (glibc `struct termios`, 60 bytes) and tty ioctls.
 *
 * @module
 */
import { check } from "./errno.ts";
import { libc } from "./libc.ts";

const TERMIOS_SIZE = 60;
const LFLAG = 12;
const IFLAG = 0;
const CC = 17;
const VTIME = 5;
const VMIN = 6;
const TCSANOW = 0;

/** termios flag bits askpw changes. */
export const TermiosFlags = {
  ISIG: 0o1,
  ICANON: 0o2,
  ECHO: 0o10,
  IEXTEN: 0o100000,
  ICRNL: 0o400,
  IXON: 0o2000,
} as const;

/** A snapshot of a terminal's settings. */
export class TerminalSettings {
  /** The raw `struct termios` bytes. */
  readonly bytes: Uint8Array<ArrayBuffer>;

  /**
   * Wraps raw termios bytes.
   *
   * @example Usage
   * ```ts
   * import { TerminalSettings } from "./termios.ts";
   * const settings = new TerminalSettings(new Uint8Array(60));
   * ```
   * @param bytes 60 bytes of `struct termios`.
   */
  constructor(bytes: Uint8Array<ArrayBuffer>) {
    this.bytes = bytes;
  }

  /**
   * A copy in the mode the password prompt reads in: byte by byte, no echo,
   * and (unlike systemd) no signals, so Ctrl-C reaches the prompt as a byte
   * instead of killing the agent with the terminal left raw.
   *
   * @example Usage
   * ```ts
   * import { TerminalSettings } from "./termios.ts";
   * const raw = new TerminalSettings(new Uint8Array(60)).forPasswordPrompt();
   * ```
   * @returns The new settings.
   */
  forPasswordPrompt(): TerminalSettings {
    const copy = new TerminalSettings(this.bytes.slice());
    const view = new DataView(copy.bytes.buffer);
    const lflag = view.getUint32(LFLAG, true);
    view.setUint32(
      LFLAG,
      lflag & ~(TermiosFlags.ICANON | TermiosFlags.ECHO | TermiosFlags.ISIG | TermiosFlags.IEXTEN),
      true,
    );
    // CR must arrive as CR (we treat CR and LF alike), and Ctrl-S must not freeze output.
    const iflag = view.getUint32(IFLAG, true);
    view.setUint32(IFLAG, iflag & ~(TermiosFlags.ICRNL | TermiosFlags.IXON), true);
    copy.bytes[CC + VMIN] = 1;
    copy.bytes[CC + VTIME] = 0;
    return copy;
  }
}

/**
 * The settings `settings` with echo off and everything else kept: a line
 * typed on such a terminal is read whole (canonical mode) but not shown.
 *
 * @example Usage
 * ```ts
 * import { TerminalSettings, withoutEcho } from "./termios.ts";
 * withoutEcho(new TerminalSettings(new Uint8Array(60)));
 * ```
 * @param settings The terminal's settings.
 * @returns A copy without ECHO.
 */
export function withoutEcho(settings: TerminalSettings): TerminalSettings {
  const copy = new TerminalSettings(settings.bytes.slice());
  const view = new DataView(copy.bytes.buffer);
  view.setUint32(LFLAG, view.getUint32(LFLAG, true) & ~TermiosFlags.ECHO, true);
  return copy;
}

/**
 * Reads the settings of terminal `fd`.
 *
 * @example Usage
 * ```ts
 * import { getTerminalSettings } from "./termios.ts";
 * try {
 *   getTerminalSettings(0);
 * } catch {
 *   // not a terminal
 * }
 * ```
 * @param fd A terminal descriptor.
 * @returns Its settings.
 * @throws {SystemCallError} When `fd` is not a terminal (ENOTTY).
 */
export function getTerminalSettings(fd: number): TerminalSettings {
  const bytes = new Uint8Array(TERMIOS_SIZE);
  check("tcgetattr", libc.symbols.tcgetattr(fd, bytes));
  return new TerminalSettings(bytes);
}

/**
 * Applies `settings` to terminal `fd` at once (TCSANOW).
 *
 * @example Usage
 * ```ts
 * import { getTerminalSettings, setTerminalSettings } from "./termios.ts";
 * try {
 *   setTerminalSettings(0, getTerminalSettings(0));
 * } catch {
 *   // not a terminal
 * }
 * ```
 * @param fd A terminal descriptor.
 * @param settings The settings.
 * @throws {SystemCallError} When tcsetattr fails.
 */
export function setTerminalSettings(fd: number, settings: TerminalSettings): void {
  check("tcsetattr", libc.symbols.tcsetattr(fd, TCSANOW, settings.bytes));
}

/**
 * Tells whether `fd` is a terminal.
 *
 * @example Usage
 * ```ts
 * import { isTerminal } from "./termios.ts";
 * isTerminal(0);
 * ```
 * @param fd The descriptor.
 * @returns Whether it is a terminal.
 */
export function isTerminal(fd: number): boolean {
  return libc.symbols.isatty(fd) === 1;
}

const TCIFLUSH = 0;

/**
 * Discards what was typed but not yet read (tcflush TCIFLUSH), so keys meant
 * for an earlier prompt never answer the next one.
 *
 * @example Usage
 * ```ts
 * import { discardTypedInput } from "./termios.ts";
 * try {
 *   discardTypedInput(0);
 * } catch {
 *   // not a terminal
 * }
 * ```
 * @param fd A terminal descriptor.
 * @throws {SystemCallError} When tcflush fails.
 */
export function discardTypedInput(fd: number): void {
  check("tcflush", libc.symbols.tcflush(fd, TCIFLUSH));
}

const TIOCSTI = 0x5412;

/**
 * Pushes `bytes` into a terminal's input queue as if typed (TIOCSTI; needs
 * CAP_SYS_ADMIN on kernels built without legacy TIOCSTI).
 *
 * @example Usage
 * ```ts
 * import { injectInput } from "./termios.ts";
 * const fd = 3; // a descriptor of the caller's
 * injectInput(fd, new Uint8Array([0x03]));
 * ```
 * @param fd A terminal descriptor.
 * @param bytes What to "type".
 * @throws {SystemCallError} When the ioctl fails.
 */
export function injectInput(fd: number, bytes: Uint8Array): void {
  for (const byte of bytes) {
    const cell = new Uint8Array([byte]);
    const address = Deno.UnsafePointer.value(Deno.UnsafePointer.of(cell));
    check("ioctl(TIOCSTI)", libc.symbols.ioctl(fd, BigInt(TIOCSTI), address));
  }
}

const TIOCGWINSZ = 0x5413;

/**
 * A terminal's size in character cells (TIOCGWINSZ), or `undefined` when it
 * does not know it (a serial line reports 0 × 0).
 *
 * @example Usage
 * ```ts
 * import { terminalSize } from "./termios.ts";
 * const fd = 3; // a descriptor of the caller's
 * const columns = terminalSize(fd)?.columns ?? 80;
 * ```
 * @param fd A terminal descriptor.
 * @returns Rows and columns.
 */
export function terminalSize(fd: number): { rows: number; columns: number } | undefined {
  const size = new Uint16Array(4); // struct winsize: ws_row, ws_col, ws_xpixel, ws_ypixel
  const address = Deno.UnsafePointer.value(Deno.UnsafePointer.of(size));
  if (libc.symbols.ioctl(fd, BigInt(TIOCGWINSZ), address) !== 0) return undefined;
  const [rows, columns] = [size[0]!, size[1]!];
  return rows > 0 && columns > 0 ? { rows, columns } : undefined;
}
