/**
 * Rate limiting for log lines that hostile input can repeat without end (a
 * flood of malformed ask files): a burst per interval and kind is logged,
 * the rest is counted and summed up in one line when the interval ends.
 *
 * @module
 */
import type { Logger, PriorityName } from "./log.ts";
import type { Timer } from "../reactor/reactor.ts";

/** Options for a {@linkcode LogRateLimit}. */
export interface LogRateLimitOptions {
  /** Lines of one kind logged per interval (default 10). */
  burst?: number;
  /** The interval in ms (default 10 000). */
  intervalMs?: number;
  /** Schedules the summary line; without it the summary waits for the next line. */
  timers?: { after(ms: number, callback: () => void): Timer };
  /** Clock in ms (tests). */
  now?: () => number;
}

interface Window {
  started: number;
  logged: number;
  suppressed: number;
  timer?: Timer;
}

/** Logs at most a burst of lines of each kind per interval. */
export class LogRateLimit implements Disposable {
  #log: Logger;
  #burst: number;
  #intervalMs: number;
  #timers: LogRateLimitOptions["timers"];
  #now: () => number;
  #windows = new Map<string, Window>();

  /**
   * Creates the limiter.
   *
   * @example Usage
   * ```ts
   * import { LogRateLimit } from "./log_rate_limit.ts";
   * import { createLogger } from "./log.ts";
   * using limit = new LogRateLimit(createLogger(), { burst: 5 });
   * limit.log("warning", "ignored-file", "Ignoring /run/x: malformed");
   * ```
   * @param log Where lines go.
   * @param options See {@linkcode LogRateLimitOptions}.
   */
  constructor(log: Logger, options: LogRateLimitOptions = {}) {
    this.#log = log;
    this.#burst = options.burst ?? 10;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#timers = options.timers;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Logs `message` unless `kind` used up its burst in this interval.
   *
   * @example Usage
   * ```ts
   * import { LogRateLimit } from "./log_rate_limit.ts";
   * import { createLogger } from "./log.ts";
   * using limit = new LogRateLimit(createLogger());
   * limit.log("notice", "kind", "something happened");
   * ```
   * @param priority The line's priority.
   * @param kind What repeats (one budget per kind).
   * @param message The line.
   * @returns Whether it was logged.
   */
  log(priority: PriorityName, kind: string, message: string): boolean {
    const now = this.#now();
    let window = this.#windows.get(kind);
    if (window && now - window.started >= this.#intervalMs) {
      this.#close(kind, window);
      window = undefined;
    }
    if (!window) {
      window = { started: now, logged: 0, suppressed: 0 };
      this.#windows.set(kind, window);
    }
    if (window.logged < this.#burst) {
      window.logged++;
      this.#log[priority](message);
      return true;
    }
    if (window.suppressed++ === 0 && this.#timers) {
      const open = window;
      open.timer = this.#timers.after(this.#intervalMs - (now - open.started), () => {
        open.timer = undefined;
        if (this.#windows.get(kind) === open) this.#close(kind, open);
      });
    }
    return false;
  }

  /** Logs the pending summaries and stops the timers. */
  [Symbol.dispose](): void {
    for (const [kind, window] of this.#windows) this.#close(kind, window);
  }

  #close(kind: string, window: Window): void {
    window.timer?.cancel();
    this.#windows.delete(kind);
    if (window.suppressed > 0) {
      this.#log.warning(
        `${window.suppressed} more "${kind}" lines suppressed in ${
          Math.round(this.#intervalMs / 1000)
        } s`,
      );
    }
  }
}
