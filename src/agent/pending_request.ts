/**
 * One request the agent holds: its ask file, what is known of it, and the
 * resources that end with it (prompts, a waiting reply, a timer-queue entry,
 * a share of its asker's pidfd).
 *
 * @module
 */
import type { AskRequest } from "../protocol/ask_request.ts";
import type { AskerIdentity } from "../request/asker_identity.ts";
import type { AnswerFamily, RequestClass } from "../request/request_kind.ts";
import type { Timer } from "../reactor/reactor.ts";
import type { Frontend } from "./frontend.ts";

/** Where a request stands. */
export type RequestState =
  /** Prompts may show it. */
  | "asking"
  /** Answered; the reply is on its way (perhaps waiting for room in the asker's queue). */
  | "delivering"
  /** Nothing more to do until its file goes. */
  | "done";

/** A request from an ask file, with the agent's state for it. */
export interface PendingRequest {
  /** The ask file's contents. */
  request: AskRequest;
  /** What is asked and for which disk. */
  class: RequestClass;
  /** Where its retries are counted (by disk, else by Id=); none for a verification. */
  retryKey?: string;
  /** 1 for a first request; n for the n-th request for the same disk or Id=. */
  attempt: number;
  /** What was answered for this disk before, when this is a retry. */
  previous?: AnswerFamily;
  /** Order of arrival: older requests are shown first. */
  sequence: number;
  /** Where it stands. */
  state: RequestState;
  /** Aborted when the request leaves "asking": withdraws its prompts. */
  prompts: AbortController;
  /** Aborted when the request goes away: withdraws prompts and a waiting reply. */
  alive: AbortController;
  /** When each frontend last showed it (a tick of the request table). */
  lastShown: Map<Frontend, number>;
  /** Frontends done with it for this query (skipped, gone). */
  finishedBy: Set<Frontend>;
  /** Whether the password cache was tried for it. */
  triedCache: boolean;
  /** Withdraws it when its NotAfter= passes. */
  deadline?: Timer;
  /** Ends the watch on its asker's pidfd. */
  stopTracking?: () => void;
  /** Who asks, when that could be told. */
  asker?: AskerIdentity;
  /** Its answer waits for room in the asker's full queue. */
  waitingForRoom?: boolean;
  /**
   * Held back from the prompts while another agent (clevis) tries to answer
   * it: cancelling ends the hold's timer and process watch.
   */
  heldBack?: { cancel(): void };
}

/**
 * A new request in state "asking", not yet classified (kind `password`,
 * attempt 1) nor numbered.
 *
 * @example Usage
 * ```ts
 * import { newPendingRequest } from "./pending_request.ts";
 * import type { AskRequest } from "../protocol/ask_request.ts";
 * const request = {} as AskRequest;
 * const pending = newPendingRequest(request);
 * pending.state; // "asking"
 * ```
 * @param request The ask file's contents.
 * @returns The request's state.
 */
export function newPendingRequest(request: AskRequest): PendingRequest {
  return {
    request,
    class: { kind: "password" },
    attempt: 1,
    sequence: 0,
    state: "asking",
    prompts: new AbortController(),
    alive: new AbortController(),
    lastShown: new Map(),
    finishedBy: new Set(),
    triedCache: false,
  };
}

/**
 * Ends prompts and a waiting reply, and frees the request's pidfd share and
 * timer; the request is "done".
 *
 * @example Usage
 * ```ts
 * import { newPendingRequest, releaseRequest } from "./pending_request.ts";
 * import type { AskRequest } from "../protocol/ask_request.ts";
 * const request = {} as AskRequest;
 * const pending = newPendingRequest(request);
 * releaseRequest(pending);
 * pending.prompts.signal.aborted; // true
 * ```
 * @param pending The request.
 */
export function releaseRequest(pending: PendingRequest): void {
  pending.state = "done";
  pending.prompts.abort();
  pending.alive.abort();
  pending.deadline?.cancel();
  pending.deadline = undefined;
  pending.stopTracking?.();
  pending.stopTracking = undefined;
  pending.heldBack?.cancel();
  pending.heldBack = undefined;
}
