/**
 * A frontend is a surface that can ask a person: a console, Plymouth, …
 *
 * @module
 */
import type { AskRequest } from "../protocol/ask_request.ts";
import type { AskerIdentity } from "../request/asker_identity.ts";
import type { AnswerFamily, DiskIdentity, RequestKind } from "../request/request_kind.ts";

/** How asking ended. */
export type AskOutcome =
  /** The person answered; the buffers are the agent's to send and wipe. */
  | { kind: "answer"; passwords: Uint8Array[] }
  /** The person skipped this request (Ctrl-D); ask again later. */
  | { kind: "skip" }
  /** The person aborted (Ctrl-C): no reply is sent. */
  | { kind: "cancel" }
  /** The prompt was withdrawn through the AbortSignal. */
  | { kind: "withdrawn" }
  /** The surface went away (hang-up, end of input, daemon died). */
  | { kind: "gone"; reason: string };

/** What the agent knows about a request beyond its ask file. */
export interface AskContext {
  /**
   * 1 for a first request; n when askpw already answered n-1 requests for the
   * same disk (or, where no disk is known, the same `Id=`): cryptsetup asking
   * again because the previous answer was wrong.
   */
  attempt: number;
  /** What was answered for this disk before, when `attempt` > 1: a PIN, a passphrase… */
  previous?: AnswerFamily;
  /** Who asks, when askpw could tell (pidfd and /proc). */
  asker?: AskerIdentity;
  /** What is asked (passphrase, TPM2 PIN…); `password` when nothing says more. */
  kind?: RequestKind;
  /** For which disk, when that can be known. */
  disk?: DiskIdentity;
}

/** A surface that can show a request and collect the answer. */
export interface Frontend {
  /** Human-readable name for logs, e.g. `console /dev/ttyS0`. */
  readonly name: string;
  /**
   * Shows `request` until the person answers, skips or aborts, or until
   * `signal` aborts (then the prompt is withdrawn and the surface restored).
   */
  ask(request: AskRequest, signal: AbortSignal, context: AskContext): Promise<AskOutcome>;
  /**
   * Whether the surface can ask now (Plymouth: while plymouthd lives; a
   * console: while plymouthd does not draw on it). Always when omitted.
   */
  isAvailable?(): boolean;
  /** Resolves when availability may have changed, or when `signal` aborts. */
  availabilityChanged?(signal: AbortSignal): Promise<void>;
}
