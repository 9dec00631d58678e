/**
 * Consoles that appear after askpw started (a USB serial adapter, a
 * late-loading driver: systemd #5183) get prompts too, and a console that
 * went away is tried again: a tty uevent from the kernel makes askpw look at
 * its console list again. The uevent socket is one descriptor in the
 * reactor; nothing polls on a timer.
 *
 * @module
 */
import type { ChangeSignal } from "../agent/change_signal.ts";
import { UeventListener } from "../ffi/netlink.ts";
import { pathExists } from "../ffi/file_path.ts";
import type { Logger } from "../log/log.ts";
import { type Reactor, Readiness, type Watch } from "../reactor/reactor.ts";

/** Options for {@linkcode ConsoleHotplug}. */
export interface ConsoleHotplugOptions {
  /** Returns the wanted console devices (re-read after each tty uevent). */
  list: () => string[];
  /** Devices that already have a frontend. */
  known: Iterable<string>;
  /** Called once per new device that exists. */
  add: (device: string) => void;
  /** Notified on every tty uevent: consoles that went away try again. */
  ttyEvents?: ChangeSignal;
  /** Where problems go. */
  log: Logger;
  /** The event loop the uevent socket joins. */
  reactor: Reactor;
}

/** Listens for tty uevents for as long as it lives. */
export class ConsoleHotplug implements Disposable {
  #options: ConsoleHotplugOptions;
  #seen: Set<string>;
  #listener: UeventListener | undefined;
  #watch: Watch | undefined;

  /**
   * Starts listening and offers the devices that exist now.
   *
   * @example Usage
   * ```ts
   * import { ConsoleHotplug } from "./console_hotplug.ts";
   * import { createLogger } from "../log/log.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * await using reactor = new Reactor();
   * using hotplug = new ConsoleHotplug({
   *   list: () => ["/dev/ttyS0"],
   *   known: [],
   *   add: (device) => console.log(device),
   *   log: createLogger(),
   *   reactor,
   * });
   * ```
   * @param options See {@linkcode ConsoleHotplugOptions}.
   */
  constructor(options: ConsoleHotplugOptions) {
    this.#options = options;
    this.#seen = new Set(options.known);
    try {
      this.#listener = new UeventListener();
      this.#watch = options.reactor.watch(this.#listener.fd, Readiness.IN, () => this.#onUevents());
    } catch (error) {
      this.#listener?.[Symbol.dispose]();
      this.#listener = undefined;
      options.log.warning(`No console hot-plug: ${(error as Error).message}`);
    }
    this.#offer();
  }

  /** Stops listening. */
  [Symbol.dispose](): void {
    this.#watch?.close();
    this.#listener?.[Symbol.dispose]();
  }

  #onUevents(): void {
    const events = this.#listener?.drain() ?? [];
    if (!events.some((event) => event.SUBSYSTEM === "tty" && event.ACTION !== "remove")) return;
    this.#options.log.debug("tty uevent: looking at the consoles again");
    this.#offer();
    this.#options.ttyEvents?.notify();
  }

  #offer(): void {
    for (const device of this.#options.list()) {
      if (this.#seen.has(device) || !pathExists(device)) continue;
      this.#seen.add(device);
      this.#options.add(device);
    }
  }
}
