/**
 * Whether Caps Lock is on, for the prompts that warn about it (consoles,
 * Plymouth), told by the keyboards' Caps Lock LEDs through evdev.
 *
 * The keyboards are opened only while at least one prompt is shown, once for
 * all prompts, and every descriptor is masked to `EV_LED` events before it is
 * read: askpw never sees a key press. Each keyboard's descriptor waits in the
 * one reactor; nothing here blocks.
 *
 * @module
 */
import {
  capsLockDeviceNames,
  hasCapsLockLed,
  INPUT_EVENT_SIZE,
  InputEventCodes,
  ledState,
  openInputDevice,
  parseLedEvents,
  receiveOnlyLedEvents,
  reportsDroppedEvents,
} from "../ffi/evdev.ts";
import { closeFd, readFd } from "../ffi/file_descriptor.ts";
import { readSmallFile } from "../ffi/file_path.ts";
import type { Logger } from "../log/log.ts";
import { type Reactor, Readiness, type Watch } from "../reactor/reactor.ts";

/** A prompt's interest in Caps Lock; dispose it when the prompt goes. */
export interface CapsLockSubscription extends Disposable {
  /** On, off, or undefined when no keyboard with a Caps Lock LED was found. */
  readonly state: boolean | undefined;
}

/**
 * Where the keyboards come from: the event devices of the system
 * ({@linkcode systemInputDevices}), or fakes in tests. Every call but
 * `listDevices` and `close` may throw; the watcher then gives up the device.
 */
export interface InputDeviceSource {
  /** The event device nodes in `directory` that may have a Caps Lock LED. */
  listDevices(directory: string): string[];
  /** Opens a device, non-blocking. */
  open(path: string): number;
  /** Whether the device has a Caps Lock LED. */
  hasCapsLockLed(fd: number): boolean;
  /** The device's LED bitmask (bit `LED_CAPSL` is Caps Lock). */
  ledState(fd: number): number;
  /**
   * Has the kernel queue nothing but LED events to `fd` from now on, and
   * drop what it queued before.
   */
  receiveOnlyLedEvents(fd: number): void;
  /** Reads `input_event` records: bytes read, 0 at end, `null` when none is queued. */
  read(fd: number, buffer: Uint8Array<ArrayBuffer>): number | null;
  /** Closes a device. */
  close(fd: number): void;
}

/** Where the input core lists its devices and their handlers (event nodes, LEDs). */
const INPUT_DEVICE_LIST = "/proc/bus/input/devices";

/**
 * The event devices of this system. The list comes from
 * `/proc/bus/input/devices` (Deno's directory API refuses `/dev` short of
 * `--allow-all`), already narrowed to devices with a Caps Lock LED, so mice
 * and buttons are never opened.
 *
 * @example Usage
 * ```ts
 * import { systemInputDevices } from "./caps_lock_watcher.ts";
 * try {
 *   systemInputDevices.listDevices("/dev/input"); // e.g. ["/dev/input/event0"]
 * } catch {
 *   // no /proc
 * }
 * ```
 */
export const systemInputDevices: InputDeviceSource = {
  listDevices: (directory) => {
    const text = new TextDecoder().decode(readSmallFile(INPUT_DEVICE_LIST, 1 << 20));
    return capsLockDeviceNames(text).map((name) => `${directory}/${name}`);
  },
  open: openInputDevice,
  hasCapsLockLed,
  ledState,
  receiveOnlyLedEvents,
  read: readFd,
  close: closeFd,
};

/** Options for a {@linkcode CapsLockWatcher}. */
export interface CapsLockWatcherOptions {
  /** The event loop the keyboards wait in. */
  reactor: Reactor;
  /** Where a keyboard that fails or cannot be opened is reported. */
  log: Logger;
  /** Where the event device nodes are (default `/dev/input`). */
  inputDirectory?: string;
  /** The devices (default {@linkcode systemInputDevices}); tests give fakes. */
  devices?: InputDeviceSource;
}

interface Keyboard {
  path: string;
  fd: number;
  capsLock: boolean;
  watch?: Watch;
}

interface Subscriber {
  onChange: (on: boolean) => void;
}

const CAPS_LOCK_BIT = 1 << InputEventCodes.LED_CAPSL;
/** Records read at once: the kernel queues at least 64 per reader. */
const READ_RECORDS = 64;
/** Reads of what was queued before the mask, at most (a bound, not an expectation). */
const MAX_DISCARD_READS = 64;

/** Tells prompts whether Caps Lock is on, from the keyboards' LEDs. */
export class CapsLockWatcher {
  #reactor: Reactor;
  #log: Logger;
  #directory: string;
  #devices: InputDeviceSource;
  #subscribers = new Set<Subscriber>();
  #keyboards = new Map<number, Keyboard>();
  #on = false;
  #buffer = new Uint8Array(INPUT_EVENT_SIZE * READ_RECORDS);

  /**
   * Creates the watcher; it opens nothing until the first subscription.
   *
   * @example Usage
   * ```ts
   * import { CapsLockWatcher } from "./caps_lock_watcher.ts";
   * import { createLogger } from "../log/log.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * await using reactor = new Reactor();
   * const capsLock = new CapsLockWatcher({ reactor, log: createLogger() });
   * ```
   * @param options See {@linkcode CapsLockWatcherOptions}.
   */
  constructor(options: CapsLockWatcherOptions) {
    this.#reactor = options.reactor;
    this.#log = options.log;
    this.#directory = options.inputDirectory ?? "/dev/input";
    this.#devices = options.devices ?? systemInputDevices;
  }

  /** Keyboards open now, for all subscriptions together (for tests and diagnostics). */
  get keyboardCount(): number {
    return this.#keyboards.size;
  }

  /**
   * While a prompt is shown: the first subscription opens the keyboards that
   * have a Caps Lock LED (event nodes in the input directory), masks them to
   * `EV_LED` events and waits on each in the reactor; `onChange(on)` is
   * called for each change of the combined state (on when any keyboard's
   * Caps Lock LED is on; off when the last keyboard with it lit goes away).
   * Disposing the last subscription closes every device: no descriptor and
   * no wake-up while no prompt is shown. Never throws: keyboards that cannot
   * be opened are left out (one debug line), and with none the state is
   * `undefined`.
   *
   * @example Usage
   * ```ts
   * import { CapsLockWatcher } from "./caps_lock_watcher.ts";
   * import { createLogger } from "../log/log.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * await using reactor = new Reactor();
   * const capsLock = new CapsLockWatcher({ reactor, log: createLogger() });
   * using subscription = capsLock.subscribe((on) => console.log(on ? "Caps Lock is on" : ""));
   * if (subscription.state) console.log("Caps Lock is on");
   * ```
   * @param onChange Called with the new state when it changes.
   * @returns The subscription; dispose it when the prompt goes.
   */
  subscribe(onChange: (on: boolean) => void): CapsLockSubscription {
    const subscriber: Subscriber = { onChange };
    this.#subscribers.add(subscriber);
    if (this.#subscribers.size === 1) this.#openKeyboards();
    const state = () => this.#state(subscriber);
    const dispose = () => {
      if (!this.#subscribers.delete(subscriber)) return;
      if (this.#subscribers.size === 0) this.#closeKeyboards();
    };
    return {
      get state() {
        return state();
      },
      [Symbol.dispose]: dispose,
    };
  }

  #state(subscriber: Subscriber): boolean | undefined {
    if (!this.#subscribers.has(subscriber) || this.#keyboards.size === 0) return undefined;
    return this.#on;
  }

  #openKeyboards(): void {
    let paths: string[];
    try {
      paths = this.#devices.listDevices(this.#directory);
    } catch (error) {
      this.#log.debug(`Caps Lock: no input devices listed (${describe(error)})`);
      return;
    }
    const failures: string[] = [];
    for (const path of paths) {
      try {
        this.#openKeyboard(path);
      } catch (error) {
        failures.push(`${path}: ${describe(error)}`);
      }
    }
    const failed = failures.length > 0 ? `; not opened: ${failures.join(", ")}` : "";
    if (this.#keyboards.size === 0) {
      this.#log.debug(`Caps Lock: no keyboard with a Caps Lock LED in ${this.#directory}${failed}`);
    } else {
      const opened = [...this.#keyboards.values()].map((keyboard) => keyboard.path).join(", ");
      this.#log.debug(`Caps Lock: watching ${opened}${failed}`);
    }
    this.#on = this.#anyLit();
  }

  #openKeyboard(path: string): void {
    const fd = this.#devices.open(path);
    try {
      if (!this.#devices.hasCapsLockLed(fd)) {
        this.#devices.close(fd);
        return;
      }
      // The mask first: from then on the kernel queues LED events only.
      this.#devices.receiveOnlyLedEvents(fd);
      this.#discardQueued(fd);
      const keyboard: Keyboard = {
        path,
        fd,
        capsLock: (this.#devices.ledState(fd) & CAPS_LOCK_BIT) !== 0,
      };
      keyboard.watch = this.#reactor.watch(
        fd,
        Readiness.IN,
        (events) => this.#onReadable(keyboard, events),
      );
      this.#keyboards.set(fd, keyboard);
    } catch (error) {
      this.#devices.close(fd);
      throw error;
    }
  }

  /**
   * Throws away whatever is still queued after the mask (the kernel's flush
   * leaves at most SYN_DROPPED; a fake may leave more),
   * unparsed; EVIOCGLED right after gives the state it would have told.
   */
  #discardQueued(fd: number): void {
    try {
      for (let reads = 0; reads < MAX_DISCARD_READS; reads++) {
        const count = this.#devices.read(fd, this.#buffer);
        if (count === null || count === 0) return;
      }
    } finally {
      this.#buffer.fill(0);
    }
  }

  #onReadable(keyboard: Keyboard, events: number): void {
    // A keyboard dropped earlier in this batch (its fd number may be reused).
    if (this.#keyboards.get(keyboard.fd) !== keyboard) return;
    try {
      let resynchronize = false;
      for (;;) {
        const count = this.#devices.read(keyboard.fd, this.#buffer);
        if (count === null) {
          // Level-triggered: a hang-up with nothing to read would wake us forever.
          if (events & (Readiness.ERR | Readiness.HUP)) throw new Error("device hung up");
          break;
        }
        if (count === 0) throw new Error("device reached end of file");
        const records = this.#buffer.subarray(0, count);
        for (const { code, value } of parseLedEvents(records)) {
          if (code === InputEventCodes.LED_CAPSL) keyboard.capsLock = value !== 0;
        }
        if (reportsDroppedEvents(records)) resynchronize = true;
      }
      if (resynchronize) {
        keyboard.capsLock = (this.#devices.ledState(keyboard.fd) & CAPS_LOCK_BIT) !== 0;
      }
    } catch (error) {
      this.#log.info(`Caps Lock: ${keyboard.path} dropped (${describe(error)})`);
      this.#forget(keyboard);
    }
    this.#publish();
  }

  #publish(): void {
    const on = this.#anyLit();
    if (on === this.#on) return;
    this.#on = on;
    for (const subscriber of [...this.#subscribers]) {
      // One subscription disposed by another's callback is told no more.
      if (!this.#subscribers.has(subscriber)) continue;
      try {
        subscriber.onChange(on);
      } catch (error) {
        this.#log.error(`Caps Lock: a prompt failed to show the change (${describe(error)})`);
      }
    }
  }

  #anyLit(): boolean {
    for (const keyboard of this.#keyboards.values()) if (keyboard.capsLock) return true;
    return false;
  }

  #forget(keyboard: Keyboard): void {
    keyboard.watch?.close();
    this.#keyboards.delete(keyboard.fd);
    this.#devices.close(keyboard.fd);
  }

  #closeKeyboards(): void {
    for (const keyboard of [...this.#keyboards.values()]) this.#forget(keyboard);
    this.#on = false;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
