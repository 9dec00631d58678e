/**
 * A broadcast "something changed" signal for the agent's workers.
 *
 * @module
 */

/** Lets any number of waiters sleep until the next {@linkcode ChangeSignal.notify}. */
export class ChangeSignal {
  #waiters = new Set<() => void>();

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
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /**
   * Waits for the next notify, or for `signal` (an aborted wait leaves
   * nothing behind, so racing waits cost no memory).
   *
   * @example Usage
   * ```ts
   * import { ChangeSignal } from "./change_signal.ts";
   * const changes = new ChangeSignal();
   * const waiting = changes.wait(new AbortController().signal);
   * changes.notify();
   * await waiting;
   * ```
   * @param signal Ends the wait early.
   */
  wait(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        this.#waiters.delete(done);
        resolve();
      };
      signal.addEventListener("abort", done, { once: true });
      this.#waiters.add(done);
    });
  }
}
