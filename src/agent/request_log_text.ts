/**
 * How a new request is named in the log: its Message quoted, its flags, the
 * attempt, who asks and what kind for which disk, every part neutralised
 * (an ask file's text is the asker's, and a log line must not carry escapes).
 *
 * @module
 */
import { LOG_MESSAGE_CODE_POINTS, sanitizeMessage } from "../protocol/sanitize_message.ts";
import type { AskRequest } from "../protocol/ask_request.ts";
import type { AskerIdentity } from "../request/asker_identity.ts";
import { describeDisk, type RequestClass } from "../request/request_kind.ts";
import type { PendingRequest } from "./pending_request.ts";

/**
 * The log line for a request just taken in.
 *
 * @example Usage
 * ```ts
 * import { newRequestLogText } from "./request_log_text.ts";
 * import { newPendingRequest } from "./pending_request.ts";
 * import type { AskRequest } from "../protocol/ask_request.ts";
 * const request = {} as AskRequest;
 * newRequestLogText(newPendingRequest(request));
 * // 'New request /run/systemd/ask-password/ask.x: "Password for root:", PID 42; kind password'
 * ```
 * @param pending The request, classified and tracked.
 * @returns The line.
 */
export function newRequestLogText(pending: PendingRequest): string {
  return `New request ${pending.request.path}: ${describe(pending.request)}` +
    (pending.attempt > 1 ? `, attempt ${pending.attempt}` : "") +
    (pending.asker ? `; asked by ${describeIdentity(pending.asker)}` : "") +
    `; ${describeClass(pending.class)}`;
}

/** The kind and disk for a log line, neutralised. */
function describeClass({ kind, disk }: RequestClass): string {
  const text = disk ? `kind ${kind}, ${describeDisk(disk)}` : `kind ${kind}`;
  return sanitizeMessage(text, LOG_MESSAGE_CODE_POINTS);
}

/** The request for a log line: the Message quoted, cut and neutralised. */
function describe(request: AskRequest): string {
  const message = sanitizeMessage(request.message ?? "", LOG_MESSAGE_CODE_POINTS);
  const parts = [`"${message}"`];
  if (request.id) parts.push(`Id="${sanitizeMessage(request.id, LOG_MESSAGE_CODE_POINTS)}"`);
  if (request.pid > 0) parts.push(`PID ${request.pid}`);
  if (request.echo) parts.push("Echo=1");
  if (request.silent) parts.push("Silent=1");
  if (request.acceptCached) parts.push("AcceptCached=1");
  return parts.join(", ");
}

/** The asker for a log line: unit, executable and pidfs ID, neutralised. */
function describeIdentity(asker: AskerIdentity): string {
  const parts = [
    asker.unit ?? "no unit",
    asker.exe ?? "executable unknown",
    `pidfs ID ${asker.pidfdId ?? "none"}`,
  ];
  return sanitizeMessage(parts.join(", "), LOG_MESSAGE_CODE_POINTS);
}
