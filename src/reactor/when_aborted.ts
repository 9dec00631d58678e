/**
 * A promise that settles when a signal aborts: the "wait for nothing but
 * the end" of a loop that races other waits against its stop signal.
 *
 * @module
 */

/**
 * Resolves when `signal` aborts (at once when it already has).
 *
 * @example Usage
 * ```ts
 * import { whenAborted } from "./when_aborted.ts";
 * const stop = new AbortController();
 * const ended = whenAborted(stop.signal);
 * stop.abort();
 * await ended;
 * ```
 * @param signal The signal.
 * @returns The promise.
 */
export function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
