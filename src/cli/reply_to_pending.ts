/**
 * Answering pending requests from afar (an SSH session into the initrd, a
 * script): one passphrase sent to the matching requests, then, for each,
 * what became of it, judged the way a person at the console would:
 *
 * - **accepted**: the request went away and no retry for the same disk came
 *   before its asker exited (or the wait ended);
 * - **not accepted**: a retry for the same disk came (systemd-cryptsetup asks
 *   again after a wrong passphrase), or the request stayed;
 * - **gone**: the asker had vanished before the answer reached it.
 *
 * @module
 */
import { AskerTracker } from "../agent/asker_tracker.ts";
import { monotonicMicros } from "../ffi/clock.ts";
import { linkStatus } from "../ffi/file_status.ts";
import { DatagramSender } from "../ffi/datagram_socket.ts";
import { type AskDirectory, listAskFileNames } from "../protocol/ask_directory.ts";
import { type AskRequest, readAskRequest } from "../protocol/ask_request.ts";
import { type AskDirectoryChange, AskDirectoryWatcher } from "../request/ask_watcher.ts";
import type { AskerIdentity } from "../request/asker_identity.ts";
import { deliverReply, encodePasswordReply } from "../protocol/reply.ts";
import { replySocketProblem } from "../request/reply_socket_policy.ts";
import { classifyRequest, type RequestClass } from "../request/request_kind.ts";
import type { Reactor } from "../reactor/reactor.ts";

/** Which pending requests to answer. */
export type ReplySelection =
  /** The passphrase, recovery-key and PIN requests pending now (the default). */
  | { kind: "unlock" }
  /** Every request pending now. */
  | { kind: "all" }
  /** The requests with this `Id=`. */
  | { kind: "id"; id: string }
  /** The requests for this disk: volume name or device. */
  | { kind: "disk"; name: string };

/** What became of one answered request. */
export interface ReplyOutcome {
  /** The ask file answered. */
  path: string;
  /** Its `Id=`. */
  id?: string;
  /** What it asked, and for which disk. */
  class: RequestClass;
  /** The verdict. */
  outcome: "accepted" | "not accepted" | "gone";
  /** Why, in a few words. */
  reason: string;
}

/** Options for {@linkcode replyToPending}. */
export interface ReplyOptions {
  /** The directories to look in. */
  directories: readonly AskDirectory[];
  /** Which requests. */
  selection: ReplySelection;
  /**
   * The passphrase (secret memory): wiped here once every answer has gone
   * out, while the verdicts are still awaited; the caller releases it.
   */
  passphrase: Uint8Array;
  /** How long to wait for the outcomes, in seconds. */
  waitSeconds: number;
  /** The event loop. */
  reactor: Reactor;
}

const UNLOCK_KINDS = new Set([
  "passphrase",
  "recovery-key",
  "token-pin",
  "tpm2-pin",
  "fido2-pin",
  "pkcs11-pin",
]);

interface Tracked {
  request: AskRequest;
  class: RequestClass;
  asker?: AskerIdentity;
  outcome?: ReplyOutcome["outcome"];
  reason?: string;
  departed: boolean;
  stopTracking?: () => void;
}

/**
 * Answers the selected pending requests and waits for what became of them.
 *
 * @example Usage
 * ```ts
 * import { replyToPending } from "./reply_to_pending.ts";
 * import { Reactor } from "../reactor/reactor.ts";
 * await using reactor = new Reactor();
 * const outcomes = await replyToPending({
 *   directories: [{ path: "/run/systemd/ask-password", ownerUid: 0, kind: "system" }],
 *   selection: { kind: "unlock" },
 *   passphrase: new TextEncoder().encode("secret"),
 *   waitSeconds: 10,
 *   reactor,
 * });
 * ```
 * @param options See {@linkcode ReplyOptions}.
 * @returns One outcome per request answered; empty when none matched.
 */
export async function replyToPending(options: ReplyOptions): Promise<ReplyOutcome[]> {
  const { reactor } = options;
  using trackers = new AskerTracker(reactor);
  using sender = new DatagramSender();
  const tracked: Tracked[] = [];
  let settle: () => void = () => {};
  const settled = new Promise<void>((resolve) => settle = resolve);
  const check = () => {
    if (tracked.every((entry) => entry.outcome !== undefined)) settle();
  };
  const decide = (entry: Tracked, outcome: ReplyOutcome["outcome"], reason: string) => {
    if (entry.outcome !== undefined) return;
    entry.outcome = outcome;
    entry.reason = reason;
    entry.stopTracking?.();
    check();
  };
  // Watch before answering: a retry may come at once.
  using _watcher = new AskDirectoryWatcher(
    options.directories,
    reactor,
    (changes) => onChanges(changes),
  );
  const now = monotonicMicros();
  for (const request of pendingRequests(options.directories, now)) {
    const entry: Tracked = { request, class: { kind: "password" }, departed: false };
    if (request.pid > 0) {
      const tracking = trackers.track(request.pid, () => {
        // Its asker exited: no retry came, so what we sent was taken (if it went away).
        decide(
          entry,
          entry.departed ? "accepted" : "not accepted",
          entry.departed ? "the asker finished" : "the asker exited without taking it",
        );
      });
      if (tracking.kind === "gone") continue;
      if (tracking.kind === "tracking") {
        entry.stopTracking = tracking.stop;
        entry.asker = tracking.identity;
      }
    }
    entry.class = classifyRequest(request, entry.asker);
    if (!selected(options.selection, request, entry.class)) {
      entry.stopTracking?.();
      continue;
    }
    tracked.push(entry);
  }
  if (tracked.length === 0) return [];

  // One deadline for everything: answers waiting for room and verdicts.
  const expired = new AbortController();
  const deadline = reactor.after(options.waitSeconds * 1000, () => {
    expired.abort();
    for (const entry of tracked) {
      if (entry.departed) decide(entry, "accepted", "the request went away and no retry came");
      else decide(entry, "not accepted", "the request is still pending");
    }
  });
  for (const entry of tracked) {
    const payload = encodePasswordReply([options.passphrase]);
    const outcome = await deliverReply(entry.request.socket, payload, {
      sender,
      reactor,
      signal: expired.signal,
    });
    if (outcome.kind === "gone") decide(entry, "gone", `the asker had gone (${outcome.reason})`);
    else if (outcome.kind !== "sent") decide(entry, "not accepted", "the answer could not be sent");
  }
  // Every answer is out: the verdicts may take seconds, the passphrase need not wait for them.
  options.passphrase.fill(0);
  check();
  await settled;
  deadline.cancel();
  for (const entry of tracked) entry.stopTracking?.();
  return tracked.map((entry) => ({
    path: entry.request.path,
    id: entry.request.id,
    class: entry.class,
    outcome: entry.outcome!,
    reason: entry.reason!,
  }));

  function onChanges(changes: AskDirectoryChange[]): void {
    for (const change of changes) {
      if (change.kind === "departed") {
        const path = `${change.directory.path}/${change.name}`;
        for (const entry of tracked) if (entry.request.path === path) entry.departed = true;
      } else if (change.kind === "arrived") {
        onArrived(change.directory, change.name);
      }
    }
  }

  /** A new request for a disk we answered: what we sent was not accepted. */
  function onArrived(directory: AskDirectory, name: string): void {
    const result = readAskRequest(directory, name);
    if (!result.ok) return;
    for (const entry of tracked) {
      if (entry.outcome !== undefined || entry.request.path === result.request.path) continue;
      const sameAsker = result.request.pid === entry.request.pid && entry.request.pid > 0;
      const retry = classifyRequest(result.request, sameAsker ? entry.asker : undefined);
      if (sameAsker || sameDisk(entry.class, retry)) {
        decide(entry, "not accepted", "a retry for the same disk came");
      }
    }
  }
}

/** Valid requests pending now, in the order of their names. */
function pendingRequests(directories: readonly AskDirectory[], now: bigint): AskRequest[] {
  const requests: AskRequest[] = [];
  for (const directory of directories) {
    for (const name of listAskFileNames(directory)) {
      if (!linkStatus(`${directory.path}/${name}`)) continue;
      const result = readAskRequest(directory, name);
      if (!result.ok || replySocketProblem(result.request)) continue;
      const { notAfter } = result.request;
      if (notAfter > 0n && now > notAfter) continue;
      requests.push(result.request);
    }
  }
  return requests;
}

function selected(
  selection: ReplySelection,
  request: AskRequest,
  { kind, disk }: RequestClass,
): boolean {
  switch (selection.kind) {
    case "all":
      return true;
    case "unlock":
      return UNLOCK_KINDS.has(kind);
    case "id":
      return request.id === selection.id;
    case "disk":
      return disk?.volume === selection.name || disk?.device === selection.name;
  }
}

function sameDisk(a: RequestClass, b: RequestClass): boolean {
  const where = (c: RequestClass) => c.disk?.volume ?? c.disk?.device;
  return where(a) !== undefined && where(a) === where(b);
}
