/**
 * timerfd(2) on CLOCK_MONOTONIC: a deadline as a descriptor, so timers wait
 * in the same epoll set as everything else. CLOCK_MONOTONIC is the clock of
 * `NotAfter=`, so a request's deadline is armed exactly as written.
 *
 * @module
 */
import { DescriptorFlags } from "./descriptor_flags.ts";
import { closeFd, readFd } from "./file_descriptor.ts";
import { check } from "./errno.ts";
import { libc } from "./libc.ts";

const CLOCK_MONOTONIC = 1;
const TFD_TIMER_ABSTIME = 1;

/** A non-blocking timer descriptor that becomes readable at its deadline. */
export class TimerFd implements Disposable {
  /** The descriptor, readable once the armed deadline passed. */
  readonly fd: number;
  #spec = new BigInt64Array(4); // struct itimerspec: it_interval, it_value
  #drain = new Uint8Array(8);

  /**
   * Creates a disarmed timer.
   *
   * @example Usage
   * ```ts
   * import { TimerFd } from "./timer_fd.ts";
   * using timer = new TimerFd();
   * ```
   * @throws {SystemCallError} When timerfd_create fails.
   */
  constructor() {
    this.fd = check(
      "timerfd_create",
      libc.symbols.timerfd_create(
        CLOCK_MONOTONIC,
        DescriptorFlags.NONBLOCK | DescriptorFlags.CLOEXEC,
      ),
    );
  }

  /**
   * Arms the timer for an absolute CLOCK_MONOTONIC time (µs), or disarms it.
   * A deadline in the past fires at once.
   *
   * @example Usage
   * ```ts
   * import { TimerFd } from "./timer_fd.ts";
   * import { monotonicMicros } from "./clock.ts";
   * using timer = new TimerFd();
   * timer.arm(monotonicMicros() + 1_000_000n);
   * ```
   * @param deadlineMicros When to fire; `undefined` disarms.
   * @throws {SystemCallError} When timerfd_settime fails.
   */
  arm(deadlineMicros: bigint | undefined): void {
    this.#spec.fill(0n);
    if (deadlineMicros !== undefined) {
      // An all-zero it_value would disarm: the earliest deadline is 1 ns.
      const micros = deadlineMicros > 0n ? deadlineMicros : 0n;
      this.#spec[2] = micros / 1_000_000n;
      this.#spec[3] = (micros % 1_000_000n) * 1000n || (micros === 0n ? 1n : 0n);
    }
    check(
      "timerfd_settime",
      libc.symbols.timerfd_settime(
        this.fd,
        TFD_TIMER_ABSTIME,
        new Uint8Array(this.#spec.buffer),
        null,
      ),
    );
  }

  /**
   * Consumes the expiration, so the descriptor stops polling readable.
   *
   * @example Usage
   * ```ts
   * import { TimerFd } from "./timer_fd.ts";
   * using timer = new TimerFd();
   * timer.acknowledge();
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
