/**
 * What a prompt adds to the asker's own text, so the person always knows
 * what is asked and for which disk: one line of the kind, the disk, the time
 * left and the asker ("TPM2 PIN · disk root (/dev/vda2) · 52 s left · asked
 * by systemd-cryptsetup@root.service"), and, on a retry, which answer was
 * not accepted.
 *
 * @module
 */
import { sanitizeMessage } from "../console/sanitize_message.ts";
import { describeAsker } from "../protocol/asker_identity.ts";
import { describeDisk, kindLabel } from "../protocol/request_kind.ts";
import type { AskContext } from "./frontend.ts";

/** Names in the summary are cut to this many characters. */
const NAME_CODE_POINTS = 96;
/** Deadlines further off than this (NotAfter=UINT64_MAX, …) are no deadlines. */
const FAR_FUTURE_MICROS = 10n * 365n * 86_400n * 1_000_000n;

/** Options for {@linkcode requestSummary}. */
export interface SummaryOptions {
  /** Seconds until the request's NotAfter=, when it has one. */
  secondsLeft?: number;
  /** Leave out who asks (Plymouth, when space is short). */
  withoutAsker?: boolean;
}

/**
 * The summary line, neutralised, or `undefined` when there is nothing to add.
 *
 * @example Usage
 * ```ts
 * import { requestSummary } from "./request_summary.ts";
 * requestSummary({ attempt: 1, kind: "tpm2-pin", disk: { volume: "root" } });
 * // "TPM2 PIN · disk root"
 * ```
 * @param context What the agent knows of the request.
 * @param options The time left; what to leave out.
 * @returns The line.
 */
export function requestSummary(
  context: AskContext,
  options: SummaryOptions = {},
): string | undefined {
  const parts: string[] = [];
  const label = context.kind ? kindLabel(context.kind) : undefined;
  if (label) parts.push(label);
  if (context.disk) parts.push(sanitizeMessage(describeDisk(context.disk), NAME_CODE_POINTS));
  if (options.secondsLeft !== undefined) parts.push(formatTimeLeft(options.secondsLeft));
  if (context.asker && !options.withoutAsker) {
    parts.push(`asked by ${sanitizeMessage(describeAsker(context.asker), NAME_CODE_POINTS)}`);
  }
  return parts.length > 0 ? parts.join(" · ") : undefined;
}

/**
 * "The previous PIN was not accepted (attempt 2)." on a retry, naming what
 * was answered before; `undefined` on a first request.
 *
 * @example Usage
 * ```ts
 * import { retryNotice } from "./request_summary.ts";
 * retryNotice({ attempt: 2, previous: "pin" });
 * // "The previous PIN was not accepted (attempt 2)."
 * ```
 * @param context What the agent knows of the request.
 * @returns The notice.
 */
export function retryNotice(context: AskContext): string | undefined {
  if (context.attempt <= 1) return undefined;
  const what = context.previous === "pin"
    ? "PIN"
    : context.previous === "password" || context.previous === "question"
    ? "answer"
    : "passphrase";
  return `The previous ${what} was not accepted (attempt ${context.attempt}).`;
}

/**
 * Whole seconds until `notAfter` (CLOCK_MONOTONIC µs), or `undefined` when
 * the request has no deadline worth showing.
 *
 * @example Usage
 * ```ts
 * import { secondsUntil } from "./request_summary.ts";
 * secondsUntil(0n, 1_000n); // undefined: NotAfter=0 means none
 * ```
 * @param notAfter The request's NotAfter=.
 * @param now CLOCK_MONOTONIC µs.
 * @returns The seconds, rounded up, at least 0.
 */
export function secondsUntil(notAfter: bigint, now: bigint): number | undefined {
  if (notAfter === 0n || notAfter - now > FAR_FUTURE_MICROS) return undefined;
  const left = notAfter - now;
  return left <= 0n ? 0 : Number((left + 999_999n) / 1_000_000n);
}

/**
 * "52 s left", "1 min 30 s left".
 *
 * @example Usage
 * ```ts
 * import { formatTimeLeft } from "./request_summary.ts";
 * formatTimeLeft(90); // "1 min 30 s left"
 * ```
 * @param seconds Seconds left.
 * @returns The words.
 */
export function formatTimeLeft(seconds: number): string {
  if (seconds < 60) return `${seconds} s left`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min left` : `${minutes} min ${rest} s left`;
}
