/**
 * Giving freed memory back after a burst of ask files.
 *
 * A flood of ask files (hostile or not) leaves freed memory that the C
 * allocator keeps: a second after the first file of a burst, it goes back to
 * the kernel, so the resident size returns near where it was.
 *
 * @module
 */
import { returnFreedMemory } from "../ffi/memory.ts";
import type { Reactor, Timer } from "../reactor/reactor.ts";

/** Files read before freed memory is given back, and how long after the burst began. */
const TRIM_AFTER_FILES = 64;
const TRIM_DELAY_MS = 1000;

/**
 * Counts ask files read and, after a burst, gives freed memory back on one
 * timer-queue entry.
 *
 * @example Usage
 * ```ts
 * import { MemoryTrim } from "./memory_trim.ts";
 * import { Reactor } from "../reactor/reactor.ts";
 * await using reactor = new Reactor();
 * const trim = new MemoryTrim(reactor);
 * trim.noteRead();
 * trim.cancel();
 * ```
 */
export class MemoryTrim {
  #reactor: Reactor;
  /** Ask files read since freed memory was last given back, and the timer that will. */
  #readSinceTrim = 0;
  #trim: Timer | undefined;

  /**
   * Creates the counter.
   *
   * @example Usage
   * ```ts
   * import { MemoryTrim } from "./memory_trim.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * await using reactor = new Reactor();
   * const trim = new MemoryTrim(reactor);
   * ```
   * @param reactor Where the timer waits.
   */
  constructor(reactor: Reactor) {
    this.#reactor = reactor;
  }

  /**
   * Counts one ask file read; the 64th of a burst sets the timer.
   *
   * @example Usage
   * ```ts
   * import { MemoryTrim } from "./memory_trim.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * await using reactor = new Reactor();
   * new MemoryTrim(reactor).noteRead();
   * ```
   */
  noteRead(): void {
    if (++this.#readSinceTrim < TRIM_AFTER_FILES || this.#trim) return;
    this.#trim = this.#reactor.after(TRIM_DELAY_MS, () => {
      this.#trim = undefined;
      this.#readSinceTrim = 0;
      returnFreedMemory();
    });
  }

  /**
   * Cancels a pending trim (the agent is ending).
   *
   * @example Usage
   * ```ts
   * import { MemoryTrim } from "./memory_trim.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * await using reactor = new Reactor();
   * new MemoryTrim(reactor).cancel();
   * ```
   */
  cancel(): void {
    this.#trim?.cancel();
  }
}
