/**
 * What a prompt adds to the asker's own text, so the person always knows
 * what is asked and for which disk: one line of the kind, the disk, the time
 * left and the asker ("TPM2 PIN · disk root (/dev/vda2) · 52 s left · asked
 * by systemd-cryptsetup@root.service"), and, on a retry, which answer was
 * not accepted.
 *
 * @module
 */
import { sanitizeMessage } from "../protocol/sanitize_message.ts";
import { describeAsker } from "../request/asker_identity.ts";
import { type DiskIdentity, kindLabel } from "../request/request_kind.ts";
import { Translator } from "../i18n/translator.ts";
import type { AskContext } from "../agent/frontend.ts";

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
  /** The keyboard layout to name (on a VT and in Plymouth; not on a serial line). */
  layout?: string;
  /** The person's language; English when not given. */
  words?: Translator;
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
  const words = options.words ?? Translator.english;
  const parts: string[] = [];
  const label = context.kind ? kindLabel(context.kind) : undefined;
  if (label) parts.push(words.text(label));
  // The short facts first, the long names last: a line cut to the
  // terminal's width loses the end of a disk's or unit's name, never these.
  if (options.layout) {
    parts.push(words.text("keyboard {layout}", { layout: sanitizeMessage(options.layout, 64) }));
  }
  if (options.secondsLeft !== undefined) parts.push(formatTimeLeft(options.secondsLeft, words));
  if (context.disk) parts.push(sanitizeMessage(diskWords(context.disk, words), NAME_CODE_POINTS));
  if (context.asker && !options.withoutAsker) {
    const asker = sanitizeMessage(describeAsker(context.asker), NAME_CODE_POINTS);
    parts.push(words.text("asked by {asker}", { asker }));
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
 * @param words The person's language; English when not given.
 * @returns The notice.
 */
export function retryNotice(
  context: AskContext,
  words: Translator = Translator.english,
): string | undefined {
  if (context.attempt <= 1) return undefined;
  const params = { attempt: context.attempt };
  if (context.previous === "pin") {
    return words.text("The previous PIN was not accepted (attempt {attempt}).", params);
  }
  if (context.previous === "password" || context.previous === "question") {
    return words.text("The previous answer was not accepted (attempt {attempt}).", params);
  }
  return words.text("The previous passphrase was not accepted (attempt {attempt}).", params);
}

/** The disk in the person's words: "disk root (/dev/vda2)", "disk root". */
function diskWords(disk: DiskIdentity, words: Translator): string {
  if (disk.volume && disk.device) {
    return words.text("disk {volume} ({device})", { volume: disk.volume, device: disk.device });
  }
  return words.text("disk {name}", { name: (disk.volume ?? disk.device)! });
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
 * @param words The person's language; English when not given.
 * @returns The words.
 */
export function formatTimeLeft(seconds: number, words: Translator = Translator.english): string {
  if (seconds < 60) return words.plural("{count} s left", "{count} s left", seconds);
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0
    ? words.plural("{count} min left", "{count} min left", minutes)
    : words.plural("{count} min {seconds} s left", "{count} min {seconds} s left", minutes, {
      seconds: rest,
    });
}
