/**
 * Input event devices (`/dev/input/event*`, linux/input.h), only as far as
 * the Caps Lock LED goes: which devices have one, what it shows, and its
 * changes as `EV_LED` events.
 *
 * askpw must never read keystrokes: they are the password. Every descriptor
 * opened here is masked with EVIOCSMASK before anything is parsed, so the
 * kernel queues only `EV_LED` (and the `EV_SYN` it never filters) to us; key
 * presses are dropped in evdev before they reach our queue. Each reader of an
 * evdev node has a queue of its own, so reading ours takes nothing from the
 * console. We never grab (EVIOCGRAB) a device.
 *
 * @module
 */
import { check } from "./errno.ts";
import { openFile, OpenFlags } from "./file_descriptor.ts";
import { libc } from "./libc.ts";

/** The event types and codes of linux/input-event-codes.h askpw uses. */
export const InputEventCodes = {
  /** Event type: packet boundaries and overflow markers. */
  EV_SYN: 0x00,
  /** Event type: key presses (never read by askpw). */
  EV_KEY: 0x01,
  /** Event type: LED state changes. */
  EV_LED: 0x11,
  /** `EV_SYN` code: end of a packet of events. */
  SYN_REPORT: 0,
  /** `EV_SYN` code: the queue overflowed and events were lost. */
  SYN_DROPPED: 3,
  /** `EV_LED` code of the Caps Lock LED. */
  LED_CAPSL: 0x01,
} as const;

/**
 * Size of `struct input_event` on x86_64: `struct timeval` (16) + `__u16
 * type` + `__u16 code` + `__s32 value`.
 */
export const INPUT_EVENT_SIZE = 24;
const TYPE_OFFSET = 16;
const CODE_OFFSET = 18;
const VALUE_OFFSET = 20;

/** An `EV_LED` event: which LED, and its new state (non-zero = on). */
export interface LedEvent {
  /** The LED (`LED_CAPSL` = 1). */
  code: number;
  /** Its new state: 0 off, anything else on. */
  value: number;
}

// _IOC (asm-generic/ioctl.h): dir << 30 | size << 16 | type << 8 | nr.
const IOC_WRITE = 1;
const IOC_READ = 2;
const IOC_TYPE_EVDEV = 0x45; // 'E'

function ioc(direction: number, number: number, size: number): number {
  // `direction << 30` would overflow to a negative int32 for _IOC_READ.
  return direction * 2 ** 30 + size * 2 ** 16 + IOC_TYPE_EVDEV * 2 ** 8 + number;
}

/**
 * Bytes of the LED bitmaps the kernel copies: `LED_MAX` is 0x0f, so 16 bits,
 * which the kernel keeps in one `unsigned long` (8 bytes on x86_64).
 */
const LED_BITMAP_SIZE = 8;
/**
 * Bytes of the type mask passed to EVIOCSMASK: `EV_CNT` is 0x20 bits, one
 * `unsigned long`; evdev's bits_from_user refuses (EINVAL) a size that is not
 * a multiple of `sizeof(long)`.
 */
const TYPE_MASK_SIZE = 8;
/** `struct input_mask { __u32 type; __u32 codes_size; __u64 codes_ptr; }`: 16 bytes. */
const INPUT_MASK_SIZE = 16;

/** The evdev ioctl request numbers askpw uses, computed with `_IOC`. */
export const EvdevRequests = {
  /**
   * EVIOCGBIT(EV_LED, 8) = _IOC(_IOC_READ, 'E', 0x20 + 0x11, 8)
   * = 2 << 30 | 8 << 16 | 0x45 << 8 | 0x31 = 0x80084531.
   */
  EVIOCGBIT_LED: ioc(IOC_READ, 0x20 + InputEventCodes.EV_LED, LED_BITMAP_SIZE),
  /**
   * EVIOCGLED(8) = _IOC(_IOC_READ, 'E', 0x19, 8)
   * = 2 << 30 | 8 << 16 | 0x45 << 8 | 0x19 = 0x80084519.
   */
  EVIOCGLED: ioc(IOC_READ, 0x19, LED_BITMAP_SIZE),
  /**
   * EVIOCSMASK = _IOW('E', 0x93, struct input_mask) = _IOC(_IOC_WRITE, 'E', 0x93, 16)
   * = 1 << 30 | 16 << 16 | 0x45 << 8 | 0x93 = 0x40104593.
   */
  EVIOCSMASK: ioc(IOC_WRITE, 0x93, INPUT_MASK_SIZE),
  /**
   * EVIOCSCLOCKID = _IOW('E', 0xa0, int) = _IOC(_IOC_WRITE, 'E', 0xa0, 4)
   * = 1 << 30 | 4 << 16 | 0x45 << 8 | 0xa0 = 0x400445a0.
   */
  EVIOCSCLOCKID: ioc(IOC_WRITE, 0xa0, 4),
} as const;

const CLOCK_MONOTONIC = 1;

/**
 * Opens an event device for reading, non-blocking and close-on-exec.
 *
 * @example Usage
 * ```ts
 * import { openInputDevice } from "./evdev.ts";
 * import { closeFd } from "./file_descriptor.ts";
 * try {
 *   closeFd(openInputDevice("/dev/input/event0"));
 * } catch (error) {
 *   console.log(String(error)); // open /dev/input/event0: ENOENT …
 * }
 * ```
 * @param path The device node, e.g. `/dev/input/event3`.
 * @returns The descriptor.
 * @throws {SystemCallError} When open(2) fails (ENOENT, EACCES, ENODEV).
 */
export function openInputDevice(path: string): number {
  return openFile(path, OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC);
}

/**
 * Whether the device has a Caps Lock LED (bit `LED_CAPSL` of EVIOCGBIT(EV_LED)):
 * true of keyboards, false of mice, power buttons and the like.
 *
 * @example Usage
 * ```ts
 * import { hasCapsLockLed, openInputDevice } from "./evdev.ts";
 * import { closeFd } from "./file_descriptor.ts";
 * try {
 *   const fd = openInputDevice("/dev/input/event0");
 *   if (hasCapsLockLed(fd)) console.log("a keyboard");
 *   closeFd(fd);
 * } catch {
 *   // no such device, or not ours to open
 * }
 * ```
 * @param fd An event device descriptor.
 * @returns True when the device has the LED.
 * @throws {SystemCallError} When `fd` is no event device (ENOTTY, EINVAL) or is gone (ENODEV).
 */
export function hasCapsLockLed(fd: number): boolean {
  const bits = new Uint8Array(LED_BITMAP_SIZE);
  check(
    "ioctl(EVIOCGBIT(EV_LED))",
    libc.symbols.ioctl(fd, BigInt(EvdevRequests.EVIOCGBIT_LED), pointerValue(bits)),
  );
  return (bitmapWord(bits) & (1 << InputEventCodes.LED_CAPSL)) !== 0;
}

/**
 * The device's LEDs now (EVIOCGLED): bit `n` is LED `n`, so Caps Lock is
 * `1 << LED_CAPSL`. The kernel also drops `EV_LED` events still queued to
 * this descriptor, which the answer supersedes.
 *
 * @example Usage
 * ```ts
 * import { InputEventCodes, ledState, openInputDevice } from "./evdev.ts";
 * import { closeFd } from "./file_descriptor.ts";
 * try {
 *   const fd = openInputDevice("/dev/input/event0");
 *   console.log((ledState(fd) & (1 << InputEventCodes.LED_CAPSL)) !== 0);
 *   closeFd(fd);
 * } catch {
 *   // no such device, no LEDs, or not ours to open
 * }
 * ```
 * @param fd An event device descriptor.
 * @returns The LED bitmask.
 * @throws {SystemCallError} When `fd` is no event device or is gone (ENODEV).
 */
export function ledState(fd: number): number {
  const bits = new Uint8Array(LED_BITMAP_SIZE);
  check(
    "ioctl(EVIOCGLED)",
    libc.symbols.ioctl(fd, BigInt(EvdevRequests.EVIOCGLED), pointerValue(bits)),
  );
  return bitmapWord(bits);
}

/**
 * Restricts what the kernel queues to `fd` to `EV_LED` events (EVIOCSMASK,
 * Linux 4.4+). The mask of type 0 filters event types: its bitmap has one bit
 * per type, and only bit `EV_LED` is set. evdev never filters `EV_SYN`, and
 * drops a `SYN_REPORT` whose packet was all filtered, so key presses neither
 * reach the queue nor wake us. Events queued between open(2) and the mask
 * (key presses among them) are then flushed inside the kernel, never copied
 * to us: switching a descriptor's timestamp clock (EVIOCSCLOCKID, from the
 * default CLOCK_REALTIME to CLOCK_MONOTONIC) empties its queue and leaves at
 * most one `SYN_DROPPED`, which {@linkcode reportsDroppedEvents} reports.
 * Call it once, right after {@linkcode openInputDevice}.
 *
 * @example Usage
 * ```ts
 * import { openInputDevice, receiveOnlyLedEvents } from "./evdev.ts";
 * import { closeFd } from "./file_descriptor.ts";
 * try {
 *   const fd = openInputDevice("/dev/input/event0");
 *   receiveOnlyLedEvents(fd);
 *   closeFd(fd);
 * } catch {
 *   // no such device, a kernel before 4.4, or not ours to open
 * }
 * ```
 * @param fd An event device descriptor.
 * @throws {SystemCallError} When the kernel lacks EVIOCSMASK (before Linux
 * 4.4: EINVAL) or the device is gone (ENODEV); the descriptor must then not
 * be read.
 */
export function receiveOnlyLedEvents(fd: number): void {
  const types = new Uint8Array(TYPE_MASK_SIZE);
  types[InputEventCodes.EV_LED >> 3] = 1 << (InputEventCodes.EV_LED & 7); // byte 2, 0x02
  const mask = new Uint8Array(INPUT_MASK_SIZE);
  const view = new DataView(mask.buffer);
  view.setUint32(0, InputEventCodes.EV_SYN, true); // type 0: the mask of event types
  view.setUint32(4, TYPE_MASK_SIZE, true); // codes_size, in bytes
  view.setBigUint64(8, pointerValue(types), true); // codes_ptr
  check(
    "ioctl(EVIOCSMASK)",
    libc.symbols.ioctl(fd, BigInt(EvdevRequests.EVIOCSMASK), pointerValue(mask)),
  );
  // evdev_set_clk_type flushes the queue only when the clock changes: a new
  // descriptor starts on CLOCK_REALTIME, so this one call always does.
  const clock = new Uint8Array(4);
  new DataView(clock.buffer).setInt32(0, CLOCK_MONOTONIC, true);
  check(
    "ioctl(EVIOCSCLOCKID)",
    libc.symbols.ioctl(fd, BigInt(EvdevRequests.EVIOCSCLOCKID), pointerValue(clock)),
  );
}

/**
 * The `EV_LED` events among `struct input_event` records, in order; every
 * other event is skipped and a trailing partial record ignored.
 *
 * @example Usage
 * ```ts
 * import { parseLedEvents } from "./evdev.ts";
 * const record = new Uint8Array(24);
 * const view = new DataView(record.buffer);
 * view.setUint16(16, 0x11, true); // EV_LED
 * view.setUint16(18, 1, true); // LED_CAPSL
 * view.setInt32(20, 1, true); // on
 * parseLedEvents(record); // [{ code: 1, value: 1 }]
 * ```
 * @param bytes What read(2) returned from an event device.
 * @returns The LED events.
 */
export function parseLedEvents(bytes: Uint8Array): LedEvent[] {
  const events: LedEvent[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + INPUT_EVENT_SIZE <= bytes.length; at += INPUT_EVENT_SIZE) {
    if (view.getUint16(at + TYPE_OFFSET, true) !== InputEventCodes.EV_LED) continue;
    events.push({
      code: view.getUint16(at + CODE_OFFSET, true),
      value: view.getInt32(at + VALUE_OFFSET, true),
    });
  }
  return events;
}

/**
 * Whether the records hold `EV_SYN`/`SYN_DROPPED`: the kernel's queue for
 * this descriptor overflowed, events were lost, and the state must be read
 * again with {@linkcode ledState}.
 *
 * @example Usage
 * ```ts
 * import { reportsDroppedEvents } from "./evdev.ts";
 * const record = new Uint8Array(24);
 * new DataView(record.buffer).setUint16(18, 3, true); // EV_SYN, SYN_DROPPED
 * reportsDroppedEvents(record); // true
 * ```
 * @param bytes What read(2) returned from an event device.
 * @returns True when events were dropped.
 */
export function reportsDroppedEvents(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + INPUT_EVENT_SIZE <= bytes.length; at += INPUT_EVENT_SIZE) {
    if (
      view.getUint16(at + TYPE_OFFSET, true) === InputEventCodes.EV_SYN &&
      view.getUint16(at + CODE_OFFSET, true) === InputEventCodes.SYN_DROPPED
    ) return true;
  }
  return false;
}

/**
 * Encodes one `struct input_event` (time zero), as the kernel writes them;
 * for tests and tools that play an event device.
 *
 * @example Usage
 * ```ts
 * import { encodeInputEvent, InputEventCodes } from "./evdev.ts";
 * encodeInputEvent(InputEventCodes.EV_LED, InputEventCodes.LED_CAPSL, 1).length; // 24
 * ```
 * @param type The event type.
 * @param code The event code.
 * @param value The value.
 * @returns 24 bytes.
 */
export function encodeInputEvent(
  type: number,
  code: number,
  value: number,
): Uint8Array<ArrayBuffer> {
  const record = new Uint8Array(INPUT_EVENT_SIZE);
  const view = new DataView(record.buffer);
  view.setUint16(TYPE_OFFSET, type, true);
  view.setUint16(CODE_OFFSET, code, true);
  view.setInt32(VALUE_OFFSET, value, true);
  return record;
}

/** The low 32 bits of a little-endian kernel bitmap. */
function bitmapWord(bits: Uint8Array<ArrayBuffer>): number {
  return new DataView(bits.buffer).getUint32(0, true);
}

function pointerValue(buffer: Uint8Array<ArrayBuffer>): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
}

/**
 * The event nodes (`event3`) of the input devices that have a Caps Lock LED,
 * read from the input core's `/proc/bus/input/devices`: each device's block
 * names its handlers (`H: Handlers=sysrq kbd leds event0`) and, when it has
 * LEDs, their bitmap (`B: LED=7`, hex words, most significant first). Only
 * names of the form `event<N>` are returned, so a device name that forges
 * lines can at most name another event node, which is checked again with
 * {@linkcode hasCapsLockLed} once opened.
 *
 * @example Usage
 * ```ts
 * import { capsLockDeviceNames } from "./evdev.ts";
 * const text = 'N: Name="AT Translated Set 2 keyboard"\nH: Handlers=sysrq kbd leds event0 \nB: LED=7\n';
 * capsLockDeviceNames(text); // ["event0"]
 * ```
 * @param text The contents of `/proc/bus/input/devices`.
 * @returns Event node names, in the order listed.
 */
export function capsLockDeviceNames(text: string): string[] {
  const names: string[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    let events: string[] = [];
    let capsLock = false;
    for (const line of block.split("\n")) {
      if (line.startsWith("H: Handlers=")) {
        events = line.slice("H: Handlers=".length).split(/\s+/).filter((name) =>
          /^event\d{1,6}$/.test(name)
        );
      } else if (line.startsWith("B: LED=")) {
        const words = line.slice("B: LED=".length).trim().split(/\s+/);
        // The last word holds the lowest bits; its last 8 digits are exact as a number.
        const lowest = Number.parseInt((words.at(-1) ?? "").slice(-8), 16);
        capsLock = Number.isFinite(lowest) && (lowest & (1 << InputEventCodes.LED_CAPSL)) !== 0;
      }
    }
    if (capsLock) names.push(...events);
  }
  return names;
}
