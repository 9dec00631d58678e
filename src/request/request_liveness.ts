/**
 * Whether a request still wants an answer: its deadline and its asker.
 *
 * @module
 */
import { processIsAlive } from "../ffi/process.ts";
import type { AskRequest } from "../protocol/ask_request.ts";

/**
 * Tells why `request` no longer needs an answer, like systemd's agent: its
 * `NotAfter=` passed (strictly), or its `PID=` is dead or a zombie. PID 0
 * (missing or garbage) means no liveness check.
 *
 * @example Usage
 * ```ts
 * import { requestStaleness } from "./request_liveness.ts";
 * import { monotonicMicros } from "../ffi/clock.ts";
 * import type { AskRequest } from "../protocol/ask_request.ts";
 * const request = {} as AskRequest;
 * const stale = requestStaleness(request, monotonicMicros());
 * ```
 * @param request The request.
 * @param now CLOCK_MONOTONIC µs.
 * @returns `undefined` when still wanted, else the reason.
 */
export function requestStaleness(request: AskRequest, now: bigint): string | undefined {
  if (request.notAfter > 0n && now > request.notAfter) return "its NotAfter= has passed";
  if (request.pid > 0 && !processIsAlive(request.pid)) {
    return `its asker PID ${request.pid} is gone`;
  }
  return undefined;
}
