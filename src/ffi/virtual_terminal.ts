/**
 * The Linux virtual terminal's own ioctls (linux/kd.h): whether a terminal is
 * a VT at all, its keyboard lock flags (Caps Lock) and its tone generator.
 *
 * @module
 */
import { check } from "./errno.ts";
import { libc } from "./libc.ts";

const KDGKBTYPE = 0x4b33;
const KDGKBLED = 0x4b64;
const KDSKBLED = 0x4b65;
const KDMKTONE = 0x4b30;
/** The PC's programmable interval timer runs at this many Hz (KDMKTONE's period unit). */
const PIT_TICK_RATE = 1_193_182;

/** The lock flags of KDGKBLED's low bits (linux/kd.h). */
export const KeyboardLockFlags = {
  SCROLL_LOCK: 0x01,
  NUM_LOCK: 0x02,
  CAPS_LOCK: 0x04,
} as const;

/**
 * Whether `fd` is a virtual terminal (KDGKBTYPE answers only there): serial
 * lines, ptys and pipes say no.
 *
 * @example Usage
 * ```ts
 * import { isVirtualTerminal } from "./virtual_terminal.ts";
 * const fd = 3; // a descriptor of the caller's
 * if (isVirtualTerminal(fd)) console.log("a VT");
 * ```
 * @param fd An open descriptor.
 * @returns True on a VT.
 */
export function isVirtualTerminal(fd: number): boolean {
  const type = new Uint8Array(1);
  return libc.symbols.ioctl(fd, BigInt(KDGKBTYPE), pointerValue(type)) === 0;
}

/**
 * The VT keyboard's lock flags (KDGKBLED): what Caps Lock, Num Lock and
 * Scroll Lock are set to, whatever the LEDs show.
 *
 * @example Usage
 * ```ts
 * import { KeyboardLockFlags, keyboardLockFlags } from "./virtual_terminal.ts";
 * const fd = 3; // a descriptor of the caller's
 * const capsLock = (keyboardLockFlags(fd) & KeyboardLockFlags.CAPS_LOCK) !== 0;
 * ```
 * @param fd A VT descriptor.
 * @returns The flags ({@linkcode KeyboardLockFlags}).
 * @throws {SystemCallError} When `fd` is no VT.
 */
export function keyboardLockFlags(fd: number): number {
  const flags = new Uint8Array(1);
  check("ioctl(KDGKBLED)", libc.symbols.ioctl(fd, BigInt(KDGKBLED), pointerValue(flags)));
  return flags[0]! & 0x07;
}

/**
 * Sets the VT keyboard's lock flags (KDSKBLED): the default flags in the
 * high nibble are kept as they are. For tests, and a console that must start
 * with Caps Lock off.
 *
 * @example Usage
 * ```ts
 * import { KeyboardLockFlags, setKeyboardLockFlags } from "./virtual_terminal.ts";
 * const fd = 3; // a descriptor of the caller's
 * setKeyboardLockFlags(fd, KeyboardLockFlags.CAPS_LOCK);
 * ```
 * @param fd A VT descriptor.
 * @param flags The new lock flags ({@linkcode KeyboardLockFlags}).
 * @throws {SystemCallError} When `fd` is no VT or we may not change it.
 */
export function setKeyboardLockFlags(fd: number, flags: number): void {
  const current = new Uint8Array(1);
  check("ioctl(KDGKBLED)", libc.symbols.ioctl(fd, BigInt(KDGKBLED), pointerValue(current)));
  const value = (current[0]! & 0xf0) | (flags & 0x07);
  check("ioctl(KDSKBLED)", libc.symbols.ioctl(fd, BigInt(KDSKBLED), BigInt(value)));
}

/**
 * Sounds a tone on the VT's speaker (KDMKTONE): the kernel plays it and
 * stops it by itself, so this returns at once.
 *
 * @example Usage
 * ```ts
 * import { soundTone } from "./virtual_terminal.ts";
 * const fd = 3; // a descriptor of the caller's
 * soundTone(fd, 880, 120);
 * ```
 * @param fd A VT descriptor.
 * @param hertz The pitch, 20 to 20,000 Hz.
 * @param milliseconds How long, up to 65,535 ms.
 * @throws {SystemCallError} When `fd` is no VT.
 */
export function soundTone(fd: number, hertz: number, milliseconds: number): void {
  const period = Math.round(PIT_TICK_RATE / Math.min(Math.max(hertz, 20), 20_000));
  const duration = Math.min(Math.max(Math.round(milliseconds), 1), 0xffff);
  check(
    "ioctl(KDMKTONE)",
    libc.symbols.ioctl(fd, BigInt(KDMKTONE), BigInt(duration * 65536 + period)),
  );
}

function pointerValue(buffer: Uint8Array<ArrayBuffer>): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
}
