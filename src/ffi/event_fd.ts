/**
 * eventfd(2): a counter descriptor one side bumps to wake the other.
 *
 * @module
 */
import { DescriptorFlags } from "./descriptor_flags.ts";
import { closeFd, readFd } from "./file_descriptor.ts";
import { check } from "./errno.ts";
import { libc } from "./libc.ts";

/** A non-blocking eventfd. */
export class EventFd implements Disposable {
  /** The descriptor, readable while signalled. */
  readonly fd: number;
  #one = new BigUint64Array([1n]);
  #drain = new Uint8Array(8);

  /**
   * Creates the eventfd, not signalled.
   *
   * @example Usage
   * ```ts
   * import { EventFd } from "./event_fd.ts";
   * using wake = new EventFd();
   * ```
   * @throws {SystemCallError} When eventfd fails.
   */
  constructor() {
    this.fd = check(
      "eventfd",
      libc.symbols.eventfd(0, DescriptorFlags.CLOEXEC | DescriptorFlags.NONBLOCK),
    );
  }

  /**
   * Makes the descriptor readable (wakes a waiter).
   *
   * @example Usage
   * ```ts
   * import { EventFd } from "./event_fd.ts";
   * using wake = new EventFd();
   * wake.signal();
   * ```
   */
  signal(): void {
    libc.symbols.write(this.fd, this.#one, 8n);
  }

  /**
   * Resets the counter, so the descriptor stops polling readable.
   *
   * @example Usage
   * ```ts
   * import { EventFd } from "./event_fd.ts";
   * using wake = new EventFd();
   * wake.acknowledge();
   * ```
   */
  acknowledge(): void {
    readFd(this.fd, this.#drain);
  }

  /** Closes the descriptor. */
  [Symbol.dispose](): void {
    closeFd(this.fd);
  }
}
