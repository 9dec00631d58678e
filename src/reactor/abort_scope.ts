/**
 * A child AbortSignal that ends with its scope: waits raced against each
 * other in a loop abort the losers when the scope is disposed, and nothing
 * stays attached to the long-lived parent signal (AbortSignal.any would keep
 * one dependent signal per iteration alive until the parent aborts).
 *
 * @module
 */

/** An AbortController tied to a parent signal for the scope's lifetime. */
export class AbortScope implements Disposable {
  /** Aborts when the parent aborts or the scope is disposed. */
  readonly signal: AbortSignal;
  #controller = new AbortController();
  #parent: AbortSignal;
  #onParentAbort = () => this.#controller.abort();

  /**
   * Creates the scope.
   *
   * @example Usage
   * ```ts
   * import { AbortScope } from "./abort_scope.ts";
   * const stop = new AbortController();
   * {
   *   using scope = new AbortScope(stop.signal);
   *   scope.signal.aborted; // false
   * }
   * ```
   * @param parent The signal the scope follows.
   */
  constructor(parent: AbortSignal) {
    this.#parent = parent;
    this.signal = this.#controller.signal;
    if (parent.aborted) this.#controller.abort();
    else parent.addEventListener("abort", this.#onParentAbort, { once: true });
  }

  /** Aborts the scope's signal and detaches from the parent. */
  [Symbol.dispose](): void {
    this.#parent.removeEventListener("abort", this.#onParentAbort);
    this.#controller.abort();
  }
}
