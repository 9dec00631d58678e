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
 * Everything waits in the reactor: a request costs a pidfd (shared by all
 * requests of one asker) and a timer-queue entry, never a thread or a timer
 * of its own, so a thousand pending requests are as cheap as one.
 *
 * @module
 */
import { whenAborted } from "../reactor/when_aborted.ts";
import { linkStatus } from "../ffi/file.ts";
import { DatagramSender } from "../ffi/socket.ts";
import { returnFreedMemory } from "../ffi/memory.ts";
import { monotonicMicros } from "../ffi/clock.ts";
import type { Logger } from "../log.ts";
import { LogRateLimit } from "../log_rate_limit.ts";
import { LOG_MESSAGE_CODE_POINTS, sanitizeMessage } from "../console/sanitize_message.ts";
import { type AskDirectory, listAskFileNames } from "../protocol/ask_directory.ts";
import { type AskRequest, readAskRequest } from "../protocol/ask_request.ts";
import type { AskerIdentity } from "../protocol/asker_identity.ts";
import {
  type AnswerFamily,
  answerFamily,
  classifyRequest,
  describeDisk,
  type RequestClass,
  sharesCachedAnswers,
} from "../protocol/request_kind.ts";
import { type AskDirectoryChange, AskDirectoryWatcher } from "../protocol/ask_watcher.ts";
import { deliverReply, type DeliveryOutcome, encodePasswordReply } from "../protocol/reply.ts";
import { replySocketProblem } from "../protocol/reply_socket_policy.ts";
import { AbortScope } from "../reactor/abort_scope.ts";
import type { Reactor, Timer } from "../reactor/reactor.ts";
import { secretMemory } from "../secrets/secret_memory.ts";
import { AskerTracker } from "./asker_tracker.ts";
import { ChangeSignal } from "./change_signal.ts";
import type { AskOutcome, Frontend } from "./frontend.ts";
import type { PasswordCache } from "./password_cache.ts";

/** Files read before freed memory is given back, and how long after the burst began. */
const TRIM_AFTER_FILES = 64;
const TRIM_DELAY_MS = 1000;

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
}

/** What a run of the agent did. */
export interface AgentResult {
  /** Replies sent. */
  answered: number;
  /** Whether the person aborted a query with Ctrl-C. */
  cancelled: boolean;
}

type RequestState =
  /** Prompts may show it. */
  | "asking"
  /** Answered; the reply is on its way (perhaps waiting for room in the asker's queue). */
  | "delivering"
  /** Nothing more to do until its file goes. */
  | "done";

interface PendingRequest {
  request: AskRequest;
  /** What is asked and for which disk. */
  class: RequestClass;
  /** Where its retries are counted (by disk, else by Id=); none for a verification. */
  retryKey?: string;
  attempt: number;
  /** What was answered for this disk before, when this is a retry. */
  previous?: AnswerFamily;
  sequence: number;
  state: RequestState;
  /** Aborted when the request leaves "asking": withdraws its prompts. */
  prompts: AbortController;
  /** Aborted when the request goes away: withdraws prompts and a waiting reply. */
  alive: AbortController;
  lastShown: Map<Frontend, number>;
  finishedBy: Set<Frontend>;
  triedCache: boolean;
  deadline?: Timer;
  stopTracking?: () => void;
  asker?: AskerIdentity;
  /** Its answer waits for room in the asker's full queue. */
  waitingForRoom?: boolean;
}

/**
 * Runs the agent until the query is complete or `options.stop` aborts.
 *
 * @example Usage
 * ```ts
 * import { runAgent } from "./agent.ts";
 * import { createLogger } from "../log.ts";
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

class Agent {
  #options: AgentOptions;
  #log: Logger;
  #limited: LogRateLimit;
  #reactor: Reactor;
  #trackers: AskerTracker;
  /** One socket sends every answer. */
  #sender = new DatagramSender();
  /** Requests by ask-file path. */
  #pending = new Map<string, PendingRequest>();
  /** Ask files refused, by path, with their identity: each is logged once. */
  #rejected = new Map<string, string>();
  /**
   * How often each disk (or, where none is known, each Id=) was answered, and
   * with what: a new request for it means the last answer was not accepted.
   */
  #answeredDisks = new Map<string, { count: number; family?: AnswerFamily }>();
  #frontends: Frontend[];
  #goneReasons = new Map<Frontend, string>();
  /** Directories removed and not back yet. */
  #lost = new Set<string>();
  #deliveries = new Set<Promise<void>>();
  #changes = new ChangeSignal();
  #status = "";
  #statusQueued = false;
  #finished = new AbortController();
  #signal: AbortSignal;
  #acceptNew = true;
  /** Ask files read since freed memory was last given back, and the timer that will. */
  #readSinceTrim = 0;
  #trim: Timer | undefined;
  #sequence = 0;
  #tick = 0;
  #answered = 0;
  #cancelled = false;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#log = options.log;
    this.#reactor = options.reactor;
    this.#limited = new LogRateLimit(options.log, { timers: options.reactor });
    this.#trackers = new AskerTracker(options.reactor);
    this.#frontends = [...options.frontends];
    this.#signal = AbortSignal.any([options.stop, this.#finished.signal]);
  }

  async run(): Promise<AgentResult> {
    using _limited = this.#limited;
    using _trackers = this.#trackers;
    using _sender = this.#sender;
    using watcher = new AskDirectoryWatcher(
      this.#options.directories,
      this.#reactor,
      (changes) => this.#onChanges(changes),
    );
    for (const directory of this.#options.directories) {
      if (watcher.isWatching(directory)) this.#rescan(directory);
      else {
        this.#lost.add(directory.path);
        this.#log.warning(`${directory.path} does not exist yet; waiting for it`);
      }
    }
    // A query is one pass over what is pending now.
    this.#acceptNew = this.#options.mode === "watch";
    this.#checkFinished();
    const workers = this.#frontends.map((frontend) => this.#work(frontend));
    using _discovery = this.#options.discoverFrontends?.((frontend) => {
      this.#log.info(`New surface: ${frontend.name}`);
      this.#frontends.push(frontend);
      workers.push(this.#work(frontend));
    });
    // Everything is set up: what arrived meanwhile is queued in inotify.
    this.#options.onWatching?.();
    this.#queueStatus();
    await whenAborted(this.#signal);
    await Promise.all(workers);
    for (const pending of this.#pending.values()) this.#release(pending);
    this.#trim?.cancel();
    await Promise.all(this.#deliveries);
    return { answered: this.#answered, cancelled: this.#cancelled };
  }

  #onChanges(changes: AskDirectoryChange[]): void {
    const now = monotonicMicros();
    for (const change of changes) {
      const { directory } = change;
      switch (change.kind) {
        case "arrived":
          this.#arrived(directory, change.name, now);
          break;
        case "departed":
          this.#departed(`${directory.path}/${change.name}`);
          break;
        case "rescan":
          if (this.#lost.delete(directory.path)) {
            this.#log.notice(`${directory.path} is back; watching it again`);
          }
          if (change.overflow) {
            this.#limited.log(
              "notice",
              "inotify overflow",
              `The kernel's inotify queue overflowed; reading ${directory.path} again`,
            );
          }
          this.#rescan(directory);
          break;
        case "lost":
          this.#lost.add(directory.path);
          this.#log.warning(`${directory.path} was removed; watching for it to come back`);
          for (const pending of this.#pendingIn(directory)) this.#departed(pending.request.path);
          for (const path of [...this.#rejected.keys()]) {
            if (path.startsWith(`${directory.path}/`)) this.#rejected.delete(path);
          }
          break;
      }
    }
    this.#checkFinished();
    this.#changed();
  }

  /** Reads a directory whole: takes new files, forgets those that went. */
  #rescan(directory: AskDirectory): void {
    const now = monotonicMicros();
    const present = new Set<string>();
    for (const name of listAskFileNames(directory)) {
      present.add(`${directory.path}/${name}`);
      this.#arrived(directory, name, now, false);
    }
    for (const path of [...this.#pending.keys(), ...this.#rejected.keys()]) {
      if (path.startsWith(`${directory.path}/`) && !present.has(path)) this.#departed(path);
    }
  }

  #arrived(directory: AskDirectory, name: string, now: bigint, rewritten = true): void {
    const path = `${directory.path}/${name}`;
    const status = linkStatus(path);
    if (!status) {
      this.#departed(path);
      return;
    }
    const key = `${status.dev}:${status.ino}`;
    const pending = this.#pending.get(path);
    if (pending) {
      if (pending.request.key.startsWith(`${key}:`)) return;
      // Replaced by another file of the same name: the old request is gone.
      this.#departed(path);
    }
    const rejected = this.#rejected.get(path);
    if (rejected === key && !rewritten) return;
    this.#rejected.delete(path);
    if (this.#acceptNew) this.#consider(directory, name, path, key, now);
  }

  #departed(path: string): void {
    this.#rejected.delete(path);
    const pending = this.#pending.get(path);
    if (!pending) return;
    this.#pending.delete(path);
    // Answered elsewhere (`askpw reply` over SSH, another agent) while we
    // asked: should the disk ask again, that answer was not accepted either.
    if (pending.state === "asking") this.#countAttempt(pending);
    this.#withdraw(pending, "its ask file vanished");
  }

  /** One more answer went to this disk (or Id): a new request for it is a retry. */
  #countAttempt(pending: PendingRequest): void {
    if (!pending.retryKey) return;
    const count = (this.#answeredDisks.get(pending.retryKey)?.count ?? 0) + 1;
    this.#answeredDisks.set(pending.retryKey, { count, family: answerFamily(pending.class.kind) });
  }

  /** Reads a new ask file; `key` (device and inode) names it until it is replaced. */
  #consider(directory: AskDirectory, name: string, path: string, key: string, now: bigint): void {
    const result = readAskRequest(directory, name);
    this.#noteRead();
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
    const pending: PendingRequest = {
      request,
      class: { kind: "password" },
      attempt: 1,
      sequence: this.#sequence++,
      state: "asking",
      prompts: new AbortController(),
      alive: new AbortController(),
      lastShown: new Map(),
      finishedBy: new Set(),
      triedCache: false,
    };
    if (request.pid > 0) {
      const tracking = this.#trackers.track(request.pid, () => {
        this.#withdraw(pending, `its asker PID ${request.pid} exited`);
        this.#checkFinished();
        this.#changed();
      });
      if (tracking.kind === "gone") {
        this.#skip(path, key, `its asker PID ${request.pid} is gone`);
        return;
      }
      if (tracking.kind === "tracking") {
        pending.stopTracking = tracking.stop;
        pending.asker = tracking.identity;
      } else this.#log.debug(`Cannot track PID ${request.pid}: ${tracking.reason}`);
    }
    pending.class = classifyRequest(request, pending.asker);
    pending.retryKey = retryKey(request, pending.class);
    const answered = pending.retryKey ? this.#answeredDisks.get(pending.retryKey) : undefined;
    if (answered) {
      pending.attempt = answered.count + 1;
      pending.previous = answered.family;
    }
    if (request.notAfter > 0n) {
      pending.deadline = this.#reactor.at(request.notAfter, () => {
        this.#withdraw(pending, "its NotAfter= passed");
        this.#checkFinished();
        this.#changed();
      });
    }
    this.#pending.set(path, pending);
    this.#log.info(
      `New request ${path}: ${describe(request)}` +
        (pending.attempt > 1 ? `, attempt ${pending.attempt}` : "") +
        (pending.asker ? `; asked by ${describeIdentity(pending.asker)}` : "") +
        `; ${describeClass(pending.class)}`,
    );
    this.#answerFromCache(pending);
  }

  /**
   * A flood of ask files (hostile or not) leaves freed memory that the C
   * allocator keeps: a second after the first file of a burst, it goes back
   * to the kernel, so the resident size returns near where it was.
   */
  #noteRead(): void {
    if (++this.#readSinceTrim < TRIM_AFTER_FILES || this.#trim) return;
    this.#trim = this.#reactor.after(TRIM_DELAY_MS, () => {
      this.#trim = undefined;
      this.#readSinceTrim = 0;
      returnFreedMemory();
    });
  }

  #reject(path: string, key: string, reason: string): void {
    this.#rejected.set(path, key);
    this.#limited.log("warning", "ignored ask file", `Ignoring ${path}: ${reason}`);
  }

  #skip(path: string, key: string, reason: string): void {
    this.#rejected.set(path, key);
    this.#limited.log("debug", "skipped ask file", `Skipping ${path}: ${reason}`);
  }

  async #work(frontend: Frontend): Promise<void> {
    while (!this.#signal.aborted) {
      if (frontend.isAvailable && !frontend.isAvailable()) {
        if (this.#options.mode === "query") {
          // A query is one pass: a surface that cannot ask now is done with it.
          this.#log.info(`${frontend.name} cannot ask now; skipping it for this query`);
          for (const other of this.#pending.values()) other.finishedBy.add(frontend);
          this.#checkFinished();
          return;
        }
        using scope = new AbortScope(this.#signal);
        await frontend.availabilityChanged?.(scope.signal);
        this.#queueStatus();
        continue;
      }
      const pending = this.#pick(frontend);
      if (!pending) {
        using scope = new AbortScope(this.#signal);
        await Promise.race([
          this.#changes.wait(scope.signal),
          frontend.availabilityChanged?.(scope.signal) ?? whenAborted(scope.signal),
        ]);
        continue;
      }
      pending.lastShown.set(frontend, ++this.#tick);
      this.#log.debug(`Asking on ${frontend.name}: ${pending.request.path}`);
      const outcome = await this.#ask(frontend, pending);
      if (outcome.kind !== "gone") this.#goneReasons.delete(frontend);
      switch (outcome.kind) {
        case "answer":
          this.#answer(pending, outcome.passwords, frontend.name, true);
          break;
        case "skip":
          this.#log.info(`Skipped ${pending.request.path} on ${frontend.name}`);
          if (this.#options.mode === "query") pending.finishedBy.add(frontend);
          break;
        case "cancel":
          this.#log.info(`Cancelled ${pending.request.path} on ${frontend.name}; no reply sent`);
          if (this.#options.mode === "query") {
            this.#cancelled = true;
            this.#finished.abort();
          }
          break;
        case "gone":
          if (this.#options.mode === "query") {
            this.#log.warning(`${frontend.name}: ${outcome.reason}`);
            for (const other of this.#pending.values()) other.finishedBy.add(frontend);
            this.#checkFinished();
            return;
          }
          // The frontend says it is unavailable until something changes (a
          // hot-plug event, plymouthd coming back): no retry on a timer.
          if (this.#goneReasons.get(frontend) === outcome.reason) {
            this.#log.debug(`${frontend.name}: ${outcome.reason}`);
          } else {
            this.#log.warning(`${frontend.name}: ${outcome.reason}`);
            this.#goneReasons.set(frontend, outcome.reason);
          }
          break;
        case "withdrawn":
          break;
      }
      this.#checkFinished();
    }
  }

  async #ask(frontend: Frontend, pending: PendingRequest): Promise<AskOutcome> {
    using scope = new AbortScope(this.#signal);
    const onWithdraw = () => scope[Symbol.dispose]();
    pending.prompts.signal.addEventListener("abort", onWithdraw, { once: true });
    if (pending.prompts.signal.aborted) onWithdraw();
    try {
      return await frontend.ask(pending.request, scope.signal, {
        attempt: pending.attempt,
        previous: pending.previous,
        asker: pending.asker,
        kind: pending.class.kind,
        disk: pending.class.disk,
      });
    } catch (error) {
      return { kind: "gone", reason: error instanceof Error ? error.message : String(error) };
    } finally {
      pending.prompts.signal.removeEventListener("abort", onWithdraw);
    }
  }

  /** The request this frontend has shown least recently, oldest first. */
  #pick(frontend: Frontend): PendingRequest | undefined {
    let best: PendingRequest | undefined;
    let bestShown = Infinity;
    for (const pending of this.#pending.values()) {
      if (pending.state !== "asking" || pending.finishedBy.has(frontend)) continue;
      const shown = pending.lastShown.get(frontend) ?? -1;
      if (
        best === undefined || shown < bestShown ||
        (shown === bestShown && pending.sequence < best.sequence)
      ) {
        best = pending;
        bestShown = shown;
      }
    }
    return best;
  }

  #answer(pending: PendingRequest, passwords: Uint8Array[], source: string, typed: boolean): void {
    const memory = secretMemory();
    let payload: Uint8Array<ArrayBuffer> | undefined;
    try {
      if (pending.state !== "asking") {
        this.#log.debug(`Dropping a late answer for ${pending.request.path} from ${source}`);
        return;
      }
      pending.state = "delivering";
      pending.prompts.abort();
      try {
        payload = encodePasswordReply(passwords);
      } catch (error) {
        this.#log.error(`Cannot answer ${pending.request.path}: ${(error as Error).message}`);
        this.#release(pending);
        return;
      }
      if (
        typed && this.#options.cache && passwords.length === 1 &&
        sharesCachedAnswers(pending.class.kind)
      ) {
        this.#options.cache.remember(cacheBucket(pending), passwords[0]);
      }
    } finally {
      for (const password of passwords) memory.release(password);
      this.#changed();
    }
    this.#deliver(pending, payload, source);
    if (typed) { for (const other of this.#pending.values()) this.#answerFromCache(other); }
  }

  #deliver(pending: PendingRequest, payload: Uint8Array<ArrayBuffer>, source: string): void {
    const { path, socket } = pending.request;
    const delivery = deliverReply(socket, payload, {
      sender: this.#sender,
      reactor: this.#reactor,
      signal: pending.alive.signal,
      onWaiting: () => {
        pending.waitingForRoom = true;
        this.#log.notice(`The asker of ${path} has a full queue; the answer waits for room`);
        this.#queueStatus();
      },
    }).then((outcome) => this.#delivered(pending, outcome, source));
    this.#deliveries.add(delivery);
    delivery.finally(() => {
      this.#deliveries.delete(delivery);
      this.#checkFinished();
    });
  }

  #delivered(pending: PendingRequest, outcome: DeliveryOutcome, source: string): void {
    const { path } = pending.request;
    switch (outcome.kind) {
      case "sent": {
        this.#answered++;
        this.#countAttempt(pending);
        this.#log.info(
          `Answered ${path} from ${source}${outcome.waited ? " once its queue had room" : ""}`,
        );
        break;
      }
      case "gone":
        this.#log.notice(
          `Asker of ${path} has gone before the answer from ${source} (${outcome.reason})`,
        );
        break;
      case "cancelled":
        this.#log.info(`Dropped the waiting answer for ${path}: the request went away`);
        break;
      case "failed":
        this.#log.error(`Failed to answer ${path}: ${outcome.reason}`);
        break;
    }
    this.#release(pending);
    this.#queueStatus();
  }

  #answerFromCache(pending: PendingRequest): void {
    const cache = this.#options.cache;
    if (!cache || pending.state !== "asking" || pending.triedCache) return;
    if (!pending.request.acceptCached || !sharesCachedAnswers(pending.class.kind)) return;
    // A retry of an Id we answered means what we sent was wrong: ask the person.
    if (pending.attempt > 1) return;
    const passwords = cache.passwords(cacheBucket(pending));
    if (passwords.length === 0) return;
    pending.triedCache = true;
    this.#answer(pending, passwords, "the password cache (AcceptCached=1)", false);
  }

  #withdraw(pending: PendingRequest, reason: string): void {
    if (pending.state === "asking") {
      this.#log.info(`Withdrawing ${pending.request.path}: ${reason}`);
    } else if (pending.state === "delivering") {
      this.#log.info(`Withdrawing the answer waiting for ${pending.request.path}: ${reason}`);
    }
    this.#release(pending);
    this.#changed();
  }

  /** Wakes the workers, and brings the status up to date. */
  #changed(): void {
    this.#changes.notify();
    this.#queueStatus();
  }

  /** One status per burst of changes: computed once the current callback is done. */
  #queueStatus(): void {
    if (!this.#options.onStatus || this.#statusQueued) return;
    this.#statusQueued = true;
    queueMicrotask(() => {
      this.#statusQueued = false;
      const status = this.#describeState();
      if (status === this.#status) return;
      this.#status = status;
      this.#options.onStatus?.(status);
    });
  }

  #describeState(): string {
    let asking = 0;
    let delivering = 0;
    for (const pending of this.#pending.values()) {
      if (pending.state === "asking") asking++;
      if (pending.state === "delivering" && pending.waitingForRoom) delivering++;
    }
    const surfaces = this.#frontends.filter((frontend) => frontend.isAvailable?.() ?? true)
      .map((frontend) => frontend.name);
    const on = `asking on ${surfaces.join(", ") || "no surface"}`;
    if (asking === 0 && delivering === 0) return `Waiting for password requests; ${on}`;
    const waiting = delivering > 0 ? `, ${delivering} answer(s) waiting for room` : "";
    return `${asking} request${asking === 1 ? "" : "s"} pending${waiting}; ${on}`;
  }

  /** Ends prompts and a waiting reply, and frees the request's pidfd share and timer. */
  #release(pending: PendingRequest): void {
    pending.state = "done";
    pending.prompts.abort();
    pending.alive.abort();
    pending.deadline?.cancel();
    pending.deadline = undefined;
    pending.stopTracking?.();
    pending.stopTracking = undefined;
  }

  #pendingIn(directory: AskDirectory): PendingRequest[] {
    return [...this.#pending.values()].filter((pending) =>
      pending.request.directory.path === directory.path
    );
  }

  /** A query is complete when every request is done or every frontend is finished with it. */
  #checkFinished(): void {
    if (this.#options.mode !== "query" || this.#finished.signal.aborted) return;
    if (this.#deliveries.size > 0) return;
    const frontends = this.#frontends.length;
    for (const pending of this.#pending.values()) {
      if (pending.state !== "done" && pending.finishedBy.size < frontends) return;
    }
    this.#finished.abort();
  }
}

/**
 * Retries are counted per directory and disk (the volume, else the device),
 * else per Id=; a verification repeats an answer on purpose and is no retry.
 */
function retryKey(request: AskRequest, { kind, disk }: RequestClass): string | undefined {
  if (kind === "verification") return undefined;
  const where = disk?.volume ?? disk?.device;
  if (where) return `${request.directory.path}\0disk\0${where}`;
  return request.id ? `${request.directory.path}\0id\0${request.id}` : undefined;
}

/**
 * Typed passwords answer cached requests of the same owner (see
 * password_cache.ts) and the same family: a passphrase never answers a PIN
 * request, nor a PIN a passphrase request.
 */
function cacheBucket({ request, class: { kind } }: PendingRequest): string {
  return `${request.ownerUid}:${answerFamily(kind) ?? "passphrase"}`;
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
