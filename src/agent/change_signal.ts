/**
 * A broadcast "something changed" signal for the agent's workers.
 *
 * @module
 */

/** Lets any number of waiters sleep until the next {@linkcode ChangeSignal.notify}. */
export class ChangeSignal {
  #waiters: (() => void)[] = [];

  /**
   * Wakes everybody waiting.
   *
   * @example Usage
   * ```ts
   * import { ChangeSignal } from "./change_signal.ts";
   * const changes = new ChangeSignal();
   * changes.notify();
   * ```
   */
  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Waits for the next notify, `timeoutMs`, or `signal`.
   *
   * @example Usage
   * ```ts
   * import { ChangeSignal } from "./change_signal.ts";
   * const changes = new ChangeSignal();
   * await changes.wait(new AbortController().signal, 1);
   * ```
   * @param signal Ends the wait early.
   * @param timeoutMs Longest wait; omitted means no limit.
   */
  wait(signal: AbortSignal, timeoutMs?: number): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
      signal.addEventListener("abort", done, { once: true });
      this.#waiters.push(done);
    });
  }
}
