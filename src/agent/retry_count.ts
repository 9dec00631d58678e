/**
 * Retries: a new request for a disk (or, where none is known, an Id=) that
 * askpw has already answered means the last answer was not accepted, so the
 * prompt can say "attempt 2" and what was answered before.
 *
 * @module
 */
import type { AskRequest } from "../protocol/ask_request.ts";
import { type AnswerFamily, answerFamily, type RequestClass } from "../request/request_kind.ts";
import type { PendingRequest } from "./pending_request.ts";

/**
 * How often each disk (or Id=) was answered, and with what.
 *
 * @example Usage
 * ```ts
 * import { RetryCount } from "./retry_count.ts";
 * import type { PendingRequest } from "./pending_request.ts";
 * const first = {} as PendingRequest;
 * const again = {} as PendingRequest;
 * const retries = new RetryCount();
 * retries.markRetry(first); // first.attempt: 1
 * retries.countAnswer(first);
 * retries.markRetry(again); // again.attempt: 2 when it is for the same disk
 * ```
 */
export class RetryCount {
  #answered = new Map<string, { count: number; family?: AnswerFamily }>();

  /**
   * Sets a new, classified request's retry key and, when it is a retry, its
   * attempt and what was answered before.
   *
   * @example Usage
   * ```ts
   * import { RetryCount } from "./retry_count.ts";
   * import type { PendingRequest } from "./pending_request.ts";
   * const pending = {} as PendingRequest;
   * new RetryCount().markRetry(pending);
   * ```
   * @param pending The request.
   */
  markRetry(pending: PendingRequest): void {
    pending.retryKey = retryKey(pending.request, pending.class);
    const answered = pending.retryKey ? this.#answered.get(pending.retryKey) : undefined;
    if (answered) {
      pending.attempt = answered.count + 1;
      pending.previous = answered.family;
    }
  }

  /**
   * One more answer went to this request's disk (or Id): a new request for
   * it is a retry.
   *
   * @example Usage
   * ```ts
   * import { RetryCount } from "./retry_count.ts";
   * import type { PendingRequest } from "./pending_request.ts";
   * const pending = {} as PendingRequest;
   * new RetryCount().countAnswer(pending);
   * ```
   * @param pending The request answered (by askpw or, unseen, by someone else).
   */
  countAnswer(pending: PendingRequest): void {
    if (!pending.retryKey) return;
    const count = (this.#answered.get(pending.retryKey)?.count ?? 0) + 1;
    this.#answered.set(pending.retryKey, { count, family: answerFamily(pending.class.kind) });
  }
}

/**
 * Where retries of a request are counted: per directory and disk (the
 * volume, else the device), else per Id=; a verification repeats an answer
 * on purpose and is no retry.
 *
 * @example Usage
 * ```ts
 * import { retryKey } from "./retry_count.ts";
 * import type { AskRequest } from "../protocol/ask_request.ts";
 * const request = {} as AskRequest;
 * retryKey(request, { kind: "passphrase", disk: { volume: "root" } });
 * // "/run/systemd/ask-password\0disk\0root"
 * ```
 * @param request The request.
 * @param requestClass What it asks, for which disk.
 * @returns The key, or `undefined` when its retries are not counted.
 */
export function retryKey(request: AskRequest, requestClass: RequestClass): string | undefined {
  const { kind, disk } = requestClass;
  if (kind === "verification") return undefined;
  const where = disk?.volume ?? disk?.device;
  if (where) return `${request.directory.path}\0disk\0${where}`;
  return request.id ? `${request.directory.path}\0id\0${request.id}` : undefined;
}
