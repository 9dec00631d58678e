/**
 * CLOCK_MONOTONIC in microseconds, the clock of `NotAfter=`.
 *
 * @module
 */
import { check } from "./errno.ts";
import { libc } from "./libc.ts";

const CLOCK_MONOTONIC = 1;
const timespec = new BigInt64Array(2);

/**
 * Reads CLOCK_MONOTONIC as microseconds (BigInt, like systemd's usec_t).
 *
 * @example Usage
 * ```ts
 * import { monotonicMicros } from "./clock.ts";
 * const now: bigint = monotonicMicros();
 * ```
 * @returns Microseconds since an arbitrary start (boot).
 * @throws {SystemCallError} When clock_gettime fails.
 */
export function monotonicMicros(): bigint {
  check("clock_gettime", libc.symbols.clock_gettime(CLOCK_MONOTONIC, timespec));
  return timespec[0] * 1_000_000n + timespec[1] / 1000n;
}
