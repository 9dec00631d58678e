/**
 * Keyboards for a `CapsLockWatcher` without evdev: each device is
 * one end of a connected socket pair, and the test writes `input_event`
 * records into the other end as the kernel would queue them.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { InputDeviceSource } from "../../src/prompt/caps_lock_watcher.ts";
import { encodeInputEvent, InputEventCodes } from "../../src/ffi/evdev.ts";
import { SystemCallError } from "../../src/ffi/errno.ts";
import { closeFd, readFd, writeAll } from "../../src/ffi/file_descriptor.ts";
import { acceptConnection, connectStream, listenStream } from "../../src/ffi/stream_socket.ts";

const { EV_SYN, EV_LED, SYN_REPORT, LED_CAPSL } = InputEventCodes;
const ENODEV = 19;
let socketNumber = 0;

/** The Caps Lock bit of an LED bitmask (`1 << LED_CAPSL`). */
export const CAPS_LOCK_BIT = 1 << LED_CAPSL;

/** A keyboard played by a connected socket pair: the watcher reads one end, the test writes the other. */
export interface FakeKeyboard {
  /** Whether it has a Caps Lock LED (EVIOCGBIT). */
  capsLockLed: boolean;
  /** Its LED bitmask (EVIOCGLED). */
  leds: number;
  /** How often it was opened. */
  opens: number;
  /** The errno `open` fails with, if any. */
  openError?: number;
  /** Unplugged: reads fail with ENODEV. */
  unplugged: boolean;
  /** The test's end of the socket pair while it is open. */
  writer?: number;
}

/**
 * Fake event devices; it checks that nothing is read from a device before it is masked.
 *
 * @example Usage
 * ```ts
 * import { FakeInputDevices } from "./fake_input_devices.ts";
 * import { CapsLockWatcher } from "../../src/prompt/caps_lock_watcher.ts";
 * import { createLogger } from "../../src/log/log.ts";
 * import { Reactor } from "../../src/reactor/reactor.ts";
 * await using reactor = new Reactor();
 * const devices = new FakeInputDevices();
 * devices.add("/dev/input/event0");
 * const watcher = new CapsLockWatcher({ reactor, log: createLogger(), devices });
 * using subscription = watcher.subscribe(() => {});
 * devices.capsLock("/dev/input/event0", true);
 * ```
 */
export class FakeInputDevices implements InputDeviceSource {
  /** The keyboards by path, in listing order. */
  keyboards: Map<string, FakeKeyboard> = new Map();
  /** The errno `listDevices` fails with, if any. */
  listError?: number;
  #byFd = new Map<number, { path: string; masked: boolean }>();

  /**
   * Plugs in a keyboard (with a Caps Lock LED, all LEDs off unless `options` say otherwise).
   *
   * @param path Its event device path.
   * @param options What differs from a plain keyboard.
   * @returns The keyboard, for the test to change.
   */
  add(path: string, options: Partial<FakeKeyboard> = {}): FakeKeyboard {
    const keyboard = { capsLockLed: true, leds: 0, opens: 0, unplugged: false, ...options };
    this.keyboards.set(path, keyboard);
    return keyboard;
  }

  /**
   * Writes records as the kernel would queue them after the mask.
   *
   * @param path An open keyboard.
   * @param events `[type, code, value]` records.
   */
  send(path: string, ...events: [number, number, number][]): void {
    const writer = this.keyboards.get(path)!.writer!;
    for (const [type, code, value] of events) {
      writeAll(writer, encodeInputEvent(type, code, value));
    }
  }

  /**
   * Turns the Caps Lock LED on or off: the LED state and an EV_LED event.
   *
   * @param path An open keyboard.
   * @param on The new state.
   */
  capsLock(path: string, on: boolean): void {
    const keyboard = this.keyboards.get(path)!;
    keyboard.leds = on ? keyboard.leds | CAPS_LOCK_BIT : keyboard.leds & ~CAPS_LOCK_BIT;
    this.send(path, [EV_LED, LED_CAPSL, on ? 1 : 0], [EV_SYN, SYN_REPORT, 0]);
  }

  /**
   * What evdev does on unplug: reads fail with ENODEV and the descriptor polls as hung up.
   *
   * @param path An open keyboard.
   */
  unplug(path: string): void {
    const keyboard = this.keyboards.get(path)!;
    keyboard.unplugged = true;
    closeFd(keyboard.writer!);
    keyboard.writer = undefined;
  }

  /** Devices open now. */
  get openCount(): number {
    return this.#byFd.size;
  }

  /**
   * The keyboards' paths.
   *
   * @param directory Named in the error.
   * @returns Every keyboard added.
   * @throws {SystemCallError} With `listError`, when set.
   */
  listDevices(directory: string): string[] {
    if (this.listError !== undefined) {
      throw new SystemCallError("open", this.listError, directory);
    }
    return [...this.keyboards.keys()];
  }

  /**
   * Opens a keyboard: a fresh socket pair.
   *
   * @param path A keyboard added before.
   * @returns The watcher's end.
   * @throws {SystemCallError} With the keyboard's `openError`, when set.
   */
  open(path: string): number {
    const keyboard = this.keyboards.get(path)!;
    if (keyboard.openError !== undefined) throw new SystemCallError("open", keyboard.openError);
    const name = `@askpw-caps-lock-test-${Deno.pid}-${socketNumber++}`;
    const listener = listenStream(name);
    try {
      keyboard.writer = connectStream(name);
      const reader = acceptConnection(listener)!;
      keyboard.opens++;
      this.#byFd.set(reader, { path, masked: false });
      return reader;
    } finally {
      closeFd(listener);
    }
  }

  /**
   * Whether the keyboard has a Caps Lock LED.
   *
   * @param fd An open device.
   * @returns Its `capsLockLed`.
   */
  hasCapsLockLed(fd: number): boolean {
    return this.#keyboard(fd).capsLockLed;
  }

  /**
   * The keyboard's LEDs.
   *
   * @param fd An open device.
   * @returns Its `leds`.
   */
  ledState(fd: number): number {
    return this.#keyboard(fd).leds;
  }

  /**
   * Records that the device was masked (reads are allowed from then on).
   *
   * @param fd An open device.
   */
  receiveOnlyLedEvents(fd: number): void {
    this.#byFd.get(fd)!.masked = true;
  }

  /**
   * Reads what the test sent.
   *
   * @param fd An open, masked device.
   * @param buffer Where the records go.
   * @returns Bytes read, 0 at end, `null` when none is queued.
   * @throws {SystemCallError} ENODEV once unplugged.
   */
  read(fd: number, buffer: Uint8Array<ArrayBuffer>): number | null {
    const device = this.#byFd.get(fd)!;
    assert.ok(device.masked, `${device.path} read before EVIOCSMASK`);
    if (this.#keyboard(fd).unplugged) throw new SystemCallError("read", ENODEV);
    return readFd(fd, buffer);
  }

  /**
   * Closes both ends of the device's socket pair.
   *
   * @param fd An open device (others are ignored).
   */
  close(fd: number): void {
    const device = this.#byFd.get(fd);
    if (!device) return;
    this.#byFd.delete(fd);
    closeFd(fd);
    const keyboard = this.keyboards.get(device.path)!;
    if (keyboard.writer !== undefined) closeFd(keyboard.writer);
    keyboard.writer = undefined;
  }

  #keyboard(fd: number): FakeKeyboard {
    return this.keyboards.get(this.#byFd.get(fd)!.path)!;
  }
}
