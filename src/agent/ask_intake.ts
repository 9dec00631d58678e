/**
 * Intake: ask files read and checked before they become requests. A file
 * is read once per identity (device and inode); one that is malformed, has
 * a reply socket askpw will not use, is past its NotAfter= or whose asker is
 * gone is refused and logged once. An accepted file becomes a classified
 * request in the table, watched until its NotAfter= or its asker's exit.
 *
 * @module
 */
import { monotonicMicros } from "../ffi/clock.ts";
import { linkStatus } from "../ffi/file_status.ts";
import type { Logger } from "../log/log.ts";
import type { LogRateLimit } from "../log/log_rate_limit.ts";
import { type AskDirectory, listAskFileNames } from "../protocol/ask_directory.ts";
import { readAskRequest } from "../protocol/ask_request.ts";
import { classifyRequest } from "../request/request_kind.ts";
import { replySocketProblem } from "../request/reply_socket_policy.ts";
import type { Reactor } from "../reactor/reactor.ts";
import type { AnswerDelivery } from "./answer_delivery.ts";
import type { AskerTracker } from "./asker_tracker.ts";
import { MemoryTrim } from "./memory_trim.ts";
import { newPendingRequest, type PendingRequest } from "./pending_request.ts";
import type { RequestTable } from "./request_table.ts";
import { newRequestLogText } from "./request_log_text.ts";
import type { RetryCount } from "./retry_count.ts";
import { holdBackForOtherAgent, type OtherAgentHold } from "./other_agent_hold.ts";

/** What {@linkcode AskIntake} needs from the agent. */
export interface AskIntakeOptions {
  /** Where events are logged. */
  log: Logger;
  /** Where refusals are logged (a flood of bad files is not a flood of lines). */
  limited: LogRateLimit;
  /** Where NotAfter= deadlines wait. */
  reactor: Reactor;
  /** Watches askers' pidfds. */
  trackers: AskerTracker;
  /** Where accepted requests go. */
  table: RequestTable;
  /** Tells a retry from a first request. */
  retries: RetryCount;
  /** Answers a request from the password cache. */
  delivery: AnswerDelivery;
  /** The ask file at `path` has gone (or been replaced): forget its request. */
  onDeparted: (path: string) => void;
  /** `pending` has expired or its asker exited: withdraw it. */
  onExpired: (pending: PendingRequest, reason: string) => void;
  /**
   * Requests another agent works on (clevis, for a disk with a clevis token)
   * are shown only after this grace period, unless that agent gives up
   * sooner (`rd.askpw.delay=SEC`); none when absent.
   */
  otherAgentHold?: OtherAgentHold;
  /** A held-back request may now be shown. */
  onReleased: () => void;
}

/**
 * Reads and checks ask files, and forgets them when they go.
 *
 * @example Usage
 * ```ts
 * import { AskIntake, type AskIntakeOptions } from "./ask_intake.ts";
 * const options = {} as AskIntakeOptions;
 * const intake = new AskIntake(options);
 * const directory = { path: "/run/systemd/ask-password", ownerUid: 0, kind: "system" } as const;
 * intake.rescan(directory);
 * intake.departed("/run/systemd/ask-password/ask.x1y2");
 * intake.trim.cancel();
 * ```
 */
export class AskIntake {
  #options: AskIntakeOptions;
  #log: Logger;
  /** Ask files refused, by path, with their identity: each is logged once. */
  #rejected = new Map<string, string>();
  /** Counts files read, to give memory back after a burst. */
  readonly trim: MemoryTrim;
  /** Whether new files become requests (a query takes only what was there). */
  acceptNew = true;

  /**
   * Creates the intake (and its memory trim).
   *
   * @example Usage
   * ```ts
   * import { AskIntake, type AskIntakeOptions } from "./ask_intake.ts";
   * const options = {} as AskIntakeOptions;
   * const intake = new AskIntake(options);
   * ```
   * @param options See {@linkcode AskIntakeOptions}.
   */
  constructor(options: AskIntakeOptions) {
    this.#options = options;
    this.#log = options.log;
    this.trim = new MemoryTrim(options.reactor);
  }

  /**
   * Reads a directory whole: takes new files, forgets those that went.
   *
   * @example Usage
   * ```ts
   * const intake = {} as import("./ask_intake.ts").AskIntake;
   * intake.rescan({ path: "/run/systemd/ask-password", ownerUid: 0, kind: "system" });
   * ```
   * @param directory The directory.
   */
  rescan(directory: AskDirectory): void {
    const now = monotonicMicros();
    const present = new Set<string>();
    for (const name of listAskFileNames(directory)) {
      present.add(`${directory.path}/${name}`);
      this.arrived(directory, name, now, false);
    }
    const paths = [...this.#options.table.values()].map((pending) => pending.request.path);
    for (const path of [...paths, ...this.#rejected.keys()]) {
      if (path.startsWith(`${directory.path}/`) && !present.has(path)) {
        this.departed(path);
      }
    }
  }

  /**
   * Takes the file `name` in `directory`, unless it is the one already taken
   * or (`rewritten` false) already refused.
   *
   * @example Usage
   * ```ts
   * const intake = {} as import("./ask_intake.ts").AskIntake;
   * const directory = { path: "/run/systemd/ask-password", ownerUid: 0, kind: "system" } as const;
   * intake.arrived(directory, "ask.x1y2", 0n);
   * ```
   * @param directory Where it is.
   * @param name Its name.
   * @param now CLOCK_MONOTONIC in microseconds, for NotAfter=.
   * @param rewritten Whether it was written since it was last seen (read it even if refused).
   */
  arrived(directory: AskDirectory, name: string, now: bigint, rewritten = true): void {
    const path = `${directory.path}/${name}`;
    const status = linkStatus(path);
    if (!status) {
      this.departed(path);
      return;
    }
    const key = `${status.dev}:${status.ino}`;
    const pending = this.#options.table.get(path);
    if (pending) {
      if (pending.request.key.startsWith(`${key}:`)) return;
      // Replaced by another file of the same name: the old request is gone.
      this.departed(path);
    }
    const rejected = this.#rejected.get(path);
    if (rejected === key && !rewritten) return;
    this.#rejected.delete(path);
    if (this.acceptNew) this.#consider(directory, name, path, key, now);
  }

  /**
   * The file at `path` has gone (or was replaced): forget it and its request.
   *
   * @example Usage
   * ```ts
   * const intake = {} as import("./ask_intake.ts").AskIntake;
   * intake.departed("/run/systemd/ask-password/ask.x1y2");
   * ```
   * @param path The ask file's path.
   */
  departed(path: string): void {
    this.#rejected.delete(path);
    this.#options.onDeparted(path);
  }

  /**
   * Forgets the requests and refusals of a directory that was removed.
   *
   * @example Usage
   * ```ts
   * const intake = {} as import("./ask_intake.ts").AskIntake;
   * intake.lost({ path: "/run/user/1000/systemd/ask-password", ownerUid: 1000, kind: "user" });
   * ```
   * @param directory The directory.
   */
  lost(directory: AskDirectory): void {
    for (const pending of this.#options.table.in(directory)) this.departed(pending.request.path);
    for (const path of [...this.#rejected.keys()]) {
      if (path.startsWith(`${directory.path}/`)) this.#rejected.delete(path);
    }
  }

  /** Reads a new ask file; `key` (device and inode) names it until it is replaced. */
  #consider(directory: AskDirectory, name: string, path: string, key: string, now: bigint): void {
    const { log, reactor, trackers, table, retries, onExpired } = this.#options;
    const result = readAskRequest(directory, name);
    this.trim.noteRead();
    if (!result.ok) {
      this.#reject(path, key, result.reason);
      return;
    }
    const request = result.request;
    const socketProblem = replySocketProblem(request);
    if (socketProblem) {
      this.#reject(path, key, socketProblem);
      return;
    }
    if (request.notAfter > 0n && now > request.notAfter) {
      this.#skip(path, key, "its NotAfter= has passed");
      return;
    }
    const pending = newPendingRequest(request);
    if (request.pid > 0) {
      const tracking = trackers.track(request.pid, () => {
        onExpired(pending, `its asker PID ${request.pid} exited`);
      });
      if (tracking.kind === "gone") {
        this.#skip(path, key, `its asker PID ${request.pid} is gone`);
        return;
      }
      if (tracking.kind === "tracking") {
        pending.stopTracking = tracking.stop;
        pending.asker = tracking.identity;
      } else log.debug(`Cannot track PID ${request.pid}: ${tracking.reason}`);
    }
    pending.class = classifyRequest(request, pending.asker);
    retries.markRetry(pending);
    if (request.notAfter > 0n) {
      pending.deadline = reactor.at(
        request.notAfter,
        () => onExpired(pending, "its NotAfter= passed"),
      );
    }
    table.add(pending);
    log.info(newRequestLogText(pending));
    const hold = this.#options.otherAgentHold;
    if (hold) {
      holdBackForOtherAgent(pending, hold, {
        log,
        reactor,
        trackers,
        now,
        onReleased: this.#options.onReleased,
      });
    }
    this.#options.delivery.answerFromCache(pending);
  }

  #reject(path: string, key: string, reason: string): void {
    this.#rejected.set(path, key);
    this.#options.limited.log("warning", "ignored ask file", `Ignoring ${path}: ${reason}`);
  }

  #skip(path: string, key: string, reason: string): void {
    this.#rejected.set(path, key);
    this.#options.limited.log("debug", "skipped ask file", `Skipping ${path}: ${reason}`);
  }
}
