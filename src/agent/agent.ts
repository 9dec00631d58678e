/**
 * The protocol loop: ask files → requests → frontends → reply.
 *
 * The agent learns of ask files from the directory watcher (one change at a
 * time, a full read only after a lost event or a directory coming back),
 * keeps one entry per pending request, and runs one worker per frontend.
 * Every worker shows the request it has shown least recently (round robin
 * after a skip, as systemd's agent re-prompts), so several consoles show the
 * same request at once; the first answer wins and withdraws it everywhere.
 * A request is withdrawn as soon as its file vanishes, its NotAfter= passes
 * or its asker exits.
 *
 * This file wires the parts together: ask_directory_follower.ts and
 * ask_intake.ts (files in), request_table.ts and frontend_worker.ts (who
 * asks what), answer_delivery.ts and retry_count.ts (replies out),
 * agent_status.ts (STATUS=).
 *
 * Everything waits in the reactor: a request costs a pidfd (shared by all
 * requests of one asker) and a timer-queue entry, never a thread or a timer
 * of its own, so a thousand pending requests are as cheap as one.
 *
 * @module
 */
import type { OtherAgentHold } from "./other_agent_hold.ts";
import type { Logger } from "../log/log.ts";
import { LogRateLimit } from "../log/log_rate_limit.ts";
import type { AskDirectory } from "../protocol/ask_directory.ts";
import { AskDirectoryWatcher } from "../request/ask_watcher.ts";
import type { Reactor } from "../reactor/reactor.ts";
import { whenAborted } from "../reactor/when_aborted.ts";
import { AgentStatus } from "./agent_status.ts";
import { AnswerDelivery } from "./answer_delivery.ts";
import { AskDirectoryFollower } from "./ask_directory_follower.ts";
import { AskIntake } from "./ask_intake.ts";
import { AskerTracker } from "./asker_tracker.ts";
import { ChangeSignal } from "./change_signal.ts";
import type { Frontend } from "./frontend.ts";
import { runFrontendWorker } from "./frontend_worker.ts";
import type { PasswordCache } from "../secrets/password_cache.ts";
import { type PendingRequest, releaseRequest } from "./pending_request.ts";
import { RequestTable } from "./request_table.ts";
import { RetryCount } from "./retry_count.ts";

/** Options for {@linkcode runAgent}. */
export interface AgentOptions {
  /** `"query"`: answer what is pending now, then return; `"watch"`: until `stop`. */
  mode: "query" | "watch";
  /** Directories to watch. */
  directories: readonly AskDirectory[];
  /** Surfaces to ask on. */
  frontends: readonly Frontend[];
  /** Where events are logged. */
  log: Logger;
  /** The event loop everything waits in. */
  reactor: Reactor;
  /** Answers `AcceptCached=1` requests from passwords typed earlier; none when omitted. */
  cache?: PasswordCache;
  /** Aborting it withdraws every prompt and ends the agent. */
  stop: AbortSignal;
  /** Called once the directories are watched and the frontends run (sd_notify READY=1 goes here). */
  onWatching?: () => void;
  /** Told what the agent is doing whenever that changes (sd_notify STATUS= goes here). */
  onStatus?: (status: string) => void;
  /**
   * Finds frontends that appear later (consoles plugged in): calls `add` for
   * each new one until the returned handle is disposed.
   */
  discoverFrontends?: (add: (frontend: Frontend) => void) => Disposable | undefined;
  /**
   * Holds back requests another agent works on (clevis) for a grace period
   * (`rd.askpw.delay=SEC`); none when absent.
   */
  otherAgentHold?: OtherAgentHold;
}

/** What a run of the agent did. */
export interface AgentResult {
  /** Replies sent. */
  answered: number;
  /** Whether the person aborted a query with Ctrl-C. */
  cancelled: boolean;
}

/**
 * Runs the agent until the query is complete or `options.stop` aborts.
 *
 * @example Usage
 * ```ts
 * import { runAgent } from "./agent.ts";
 * import { createLogger } from "../log/log.ts";
 * import { Reactor } from "../reactor/reactor.ts";
 * await using reactor = new Reactor();
 * const result = await runAgent({
 *   mode: "query",
 *   directories: [],
 *   frontends: [],
 *   log: createLogger(),
 *   reactor,
 *   stop: new AbortController().signal,
 * });
 * ```
 * @param options See {@linkcode AgentOptions}.
 * @returns What was done.
 */
export function runAgent(options: AgentOptions): Promise<AgentResult> {
  return new Agent(options).run();
}

/** The coordinator: intake, request table, frontend workers, delivery and status, wired together. */
class Agent {
  #options: AgentOptions;
  #log: Logger;
  #limited: LogRateLimit;
  #trackers: AskerTracker;
  #table: RequestTable;
  #changes = new ChangeSignal();
  #status: AgentStatus;
  #retries = new RetryCount();
  #delivery: AnswerDelivery;
  #intake: AskIntake;
  #finished = new AbortController();
  #signal: AbortSignal;
  #cancelled = false;

  constructor(options: AgentOptions) {
    const { log, reactor, cache } = options;
    this.#options = options;
    this.#log = log;
    this.#limited = new LogRateLimit(log, { timers: reactor });
    this.#trackers = new AskerTracker(reactor);
    this.#table = new RequestTable(options.frontends);
    this.#signal = AbortSignal.any([options.stop, this.#finished.signal]);
    this.#status = new AgentStatus(this.#table, options.onStatus);
    this.#delivery = new AnswerDelivery({
      log,
      reactor,
      cache,
      table: this.#table,
      retries: this.#retries,
      onChanged: () => this.#changed(),
      onStatus: () => this.#status.queue(),
      onSettled: () => this.#checkFinished(),
    });
    this.#intake = new AskIntake({
      log,
      reactor,
      limited: this.#limited,
      trackers: this.#trackers,
      table: this.#table,
      retries: this.#retries,
      delivery: this.#delivery,
      onDeparted: (path) => this.#departed(path),
      onExpired: (pending, reason) => {
        this.#withdraw(pending, reason);
        this.#checkFinished();
        this.#changed();
      },
      otherAgentHold: options.otherAgentHold,
      onReleased: () => this.#changed(),
    });
  }

  async run(): Promise<AgentResult> {
    using _limited = this.#limited;
    using _trackers = this.#trackers;
    using _delivery = this.#delivery;
    const follower = new AskDirectoryFollower(this.#intake, this.#log, this.#limited);
    using watcher = new AskDirectoryWatcher(
      this.#options.directories,
      this.#options.reactor,
      (changes) => {
        follower.take(changes);
        this.#checkFinished();
        this.#changed();
      },
    );
    follower.readAll(this.#options.directories, watcher);
    // A query is one pass over what is pending now.
    this.#intake.acceptNew = this.#options.mode === "watch";
    this.#checkFinished();
    const workers = this.#table.frontends.map((frontend) => this.#work(frontend));
    using _discovery = this.#options.discoverFrontends?.((frontend) => {
      this.#log.info(`New surface: ${frontend.name}`);
      this.#table.addFrontend(frontend);
      workers.push(this.#work(frontend));
    });
    // Everything is set up: what arrived meanwhile is queued in inotify.
    this.#options.onWatching?.();
    this.#status.queue();
    await whenAborted(this.#signal);
    await Promise.all(workers);
    for (const pending of this.#table.values()) releaseRequest(pending);
    this.#intake.trim.cancel();
    await this.#delivery.settled();
    return { answered: this.#delivery.answered, cancelled: this.#cancelled };
  }

  #work(frontend: Frontend): Promise<void> {
    return runFrontendWorker(frontend, {
      mode: this.#options.mode,
      signal: this.#signal,
      log: this.#log,
      table: this.#table,
      changes: this.#changes,
      onAnswer: (pending, passwords, source) =>
        this.#delivery.answer(pending, passwords, source, true),
      onCancel: () => {
        this.#cancelled = true;
        this.#finished.abort();
      },
      onProgress: () => this.#checkFinished(),
      onAvailability: () => this.#status.queue(),
    });
  }

  #departed(path: string): void {
    const pending = this.#table.remove(path);
    if (!pending) return;
    // Answered elsewhere (`askpw reply` over SSH, another agent) while we
    // asked: should the disk ask again, that answer was not accepted either.
    if (pending.state === "asking") this.#retries.countAnswer(pending);
    this.#withdraw(pending, "its ask file vanished");
  }

  #withdraw(pending: PendingRequest, reason: string): void {
    if (pending.state === "asking") {
      this.#log.info(`Withdrawing ${pending.request.path}: ${reason}`);
    } else if (pending.state === "delivering") {
      this.#log.info(`Withdrawing the answer waiting for ${pending.request.path}: ${reason}`);
    }
    releaseRequest(pending);
    this.#changed();
  }

  /** Wakes the workers, and brings the status up to date. */
  #changed(): void {
    this.#changes.notify();
    this.#status.queue();
  }

  /** A query is complete when every request is done or every frontend is finished with it. */
  #checkFinished(): void {
    if (this.#options.mode !== "query" || this.#finished.signal.aborted) return;
    if (this.#delivery.busy) return;
    if (this.#table.isFinished()) this.#finished.abort();
  }
}
