/**
 * The protocol loop: ask files → requests → frontends → reply.
 *
 * The agent watches the ask directories, keeps one entry per pending request
 * (keyed by device, inode and path), and runs one worker per frontend. Every
 * worker shows the oldest request it has not shown yet (round robin after a
 * skip, as systemd's agent re-prompts), so several consoles show the same
 * request at once; the first answer wins and withdraws it everywhere. A
 * request is withdrawn as soon as its file vanishes, its NotAfter= passes or
 * its asker exits (watched through a pidfd, immune to PID reuse).
 *
 * @module
 */
import { monotonicMicros } from "../ffi/clock.ts";
import { closeFd, linkStatus } from "../ffi/file.ts";
import { PollEvents, waitForEvents } from "../ffi/poll.ts";
import { openPidfd } from "../ffi/process.ts";
import type { Logger } from "../log.ts";
import { type AskDirectory, listAskFileNames } from "../protocol/ask_directory.ts";
import { type AskRequest, readAskRequest } from "../protocol/ask_request.ts";
import { AskDirectoryWatcher } from "../protocol/ask_watcher.ts";
import { encodePasswordReply, sendReply } from "../protocol/reply.ts";
import { replySocketProblem } from "../protocol/reply_socket_policy.ts";
import { requestStaleness } from "../protocol/request_liveness.ts";
import { ChangeSignal } from "./change_signal.ts";
import type { Frontend } from "./frontend.ts";
import type { PasswordCache } from "./password_cache.ts";

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
  /** Answers `AcceptCached=1` requests from passwords typed earlier; none when omitted. */
  cache?: PasswordCache;
  /** Aborting it withdraws every prompt and ends the agent. */
  stop: AbortSignal;
  /** Called once the directories are watched (sd_notify READY=1 goes here). */
  onWatching?: () => void;
  /**
   * Finds frontends that appear later (consoles plugged in): runs until
   * `signal` aborts and calls `add` for each new one.
   */
  discoverFrontends?: (add: (frontend: Frontend) => void, signal: AbortSignal) => Promise<void>;
}

/** What a run of the agent did. */
export interface AgentResult {
  /** Replies sent. */
  answered: number;
  /** Whether the person aborted a query with Ctrl-C. */
  cancelled: boolean;
}

interface PendingRequest {
  request: AskRequest;
  attempt: number;
  sequence: number;
  withdraw: AbortController;
  done: boolean;
  lastShown: Map<Frontend, number>;
  finishedBy: Set<Frontend>;
  triedCache: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Runs the agent until the query is complete or `options.stop` aborts.
 *
 * @example Usage
 * ```ts
 * import { runAgent } from "./agent.ts";
 * import { createLogger } from "../log.ts";
 * const result = await runAgent({
 *   mode: "query",
 *   directories: [],
 *   frontends: [],
 *   log: createLogger(),
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
  #pending = new Map<string, PendingRequest>();
  #rejected = new Map<string, string>();
  /** How many requests with each Id= we answered: a new one with the same Id is a retry. */
  #answeredIds = new Map<string, number>();
  #changes = new ChangeSignal();
  #finished = new AbortController();
  #signal: AbortSignal;
  #sequence = 0;
  #tick = 0;
  #answered = 0;
  #cancelled = false;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#log = options.log;
    this.#signal = AbortSignal.any([options.stop, this.#finished.signal]);
  }

  async run(): Promise<AgentResult> {
    using watcher = new AskDirectoryWatcher(this.#options.directories);
    this.#options.onWatching?.();
    this.#rescan(true);
    this.#checkFinished();
    const workers = this.#options.frontends.map((frontend) => this.#work(frontend));
    const discovery = this.#options.discoverFrontends?.((frontend) => {
      this.#log.info(`New surface: ${frontend.name}`);
      workers.push(this.#work(frontend));
    }, this.#signal);
    while (!this.#signal.aborted) {
      if (!(await watcher.changed(this.#signal))) break;
      this.#rescan(this.#options.mode === "watch");
      this.#checkFinished();
      this.#changes.notify();
    }
    await discovery;
    await Promise.all(workers);
    for (const pending of this.#pending.values()) this.#release(pending);
    return { answered: this.#answered, cancelled: this.#cancelled };
  }

  /** Reads the directories; new requests are only taken in watch mode after the first scan. */
  #rescan(acceptNew: boolean): void {
    const present = new Set<string>();
    const now = monotonicMicros();
    for (const directory of this.#options.directories) {
      for (const name of listAskFileNames(directory)) {
        const path = `${directory.path}/${name}`;
        const status = linkStatus(path);
        if (!status) continue;
        const key = `${status.dev}:${status.ino}:${path}`;
        present.add(key);
        if (this.#pending.has(key) || this.#rejected.has(key) || !acceptNew) continue;
        this.#consider(directory, name, key, now);
      }
    }
    for (const [key, pending] of this.#pending) {
      if (present.has(key)) continue;
      this.#pending.delete(key);
      if (!pending.done) this.#withdraw(pending, "its ask file vanished");
      this.#release(pending);
    }
    for (const key of this.#rejected.keys()) if (!present.has(key)) this.#rejected.delete(key);
  }

  #consider(directory: AskDirectory, name: string, key: string, now: bigint): void {
    const path = `${directory.path}/${name}`;
    const result = readAskRequest(directory, name);
    if (!result.ok) {
      this.#rejected.set(key, result.reason);
      this.#log.warning(`Ignoring ${path}: ${result.reason}`);
      return;
    }
    const request = result.request;
    const socketProblem = replySocketProblem(request);
    if (socketProblem) {
      this.#rejected.set(key, socketProblem);
      this.#log.warning(`Ignoring ${path}: ${socketProblem}`);
      return;
    }
    const stale = requestStaleness(request, now);
    if (stale) {
      this.#rejected.set(key, stale);
      this.#log.debug(`Skipping ${path}: ${stale}`);
      return;
    }
    const pending: PendingRequest = {
      request,
      attempt: request.id ? (this.#answeredIds.get(request.id) ?? 0) + 1 : 1,
      sequence: this.#sequence++,
      withdraw: new AbortController(),
      done: false,
      lastShown: new Map(),
      finishedBy: new Set(),
      triedCache: false,
    };
    this.#pending.set(key, pending);
    this.#log.info(
      `New request ${path}: ${describe(request)}` +
        (pending.attempt > 1 ? `, attempt ${pending.attempt}` : ""),
    );
    this.#armDeadline(pending, now);
    this.#watchAsker(pending).catch((error) =>
      this.#log.warning(`Cannot watch the asker of ${path}: ${(error as Error).message}`)
    );
    this.#answerFromCache(pending);
  }

  #armDeadline(pending: PendingRequest, now: bigint): void {
    if (pending.request.notAfter === 0n) return;
    const ms = Number((pending.request.notAfter - now) / 1000n) + 1;
    // Beyond setTimeout's range (24 days) is as good as never.
    if (ms > 0x7fffffff) return;
    pending.timer = setTimeout(() => {
      this.#withdraw(pending, "its NotAfter= passed");
      this.#checkFinished();
    }, Math.max(ms, 0));
  }

  /** Withdraws the request the moment its asker exits: a pidfd polls readable then. */
  async #watchAsker(pending: PendingRequest): Promise<void> {
    const pid = pending.request.pid;
    if (pid <= 0) return;
    let pidfd: number | undefined;
    try {
      pidfd = openPidfd(pid);
    } catch (error) {
      this.#log.debug(`Cannot track PID ${pid}: ${String(error)}`);
      return;
    }
    if (pidfd === undefined) {
      this.#withdraw(pending, `its asker PID ${pid} is gone`);
      return;
    }
    try {
      const [events] = await waitForEvents([{ fd: pidfd }], -1, pending.withdraw.signal);
      if ((events & PollEvents.POLLIN) !== 0) {
        this.#withdraw(pending, `its asker PID ${pid} exited`);
        this.#checkFinished();
        this.#changes.notify();
      }
    } finally {
      closeFd(pidfd);
    }
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
        await frontend.availabilityChanged?.(this.#signal);
        continue;
      }
      const pending = this.#pick(frontend);
      if (!pending) {
        await Promise.race([
          this.#changes.wait(this.#signal),
          frontend.availabilityChanged?.(this.#signal) ?? new Promise(() => {}),
        ]);
        continue;
      }
      pending.lastShown.set(frontend, ++this.#tick);
      const signal = AbortSignal.any([pending.withdraw.signal, this.#signal]);
      this.#log.debug(`Asking on ${frontend.name}: ${pending.request.path}`);
      const context = { attempt: pending.attempt };
      const outcome = await frontend.ask(pending.request, signal, context).catch((error) => ({
        kind: "gone" as const,
        reason: error instanceof Error ? error.message : String(error),
      }));
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
          this.#log.warning(`${frontend.name}: ${outcome.reason}`);
          if (this.#options.mode === "query") {
            for (const other of this.#pending.values()) other.finishedBy.add(frontend);
            this.#checkFinished();
            return;
          }
          // The device may come back (a serial line reconnected); don't spin.
          await this.#changes.wait(this.#signal, 1000);
          break;
        case "withdrawn":
          break;
      }
      this.#checkFinished();
    }
  }

  /** The request this frontend has shown least recently, oldest first. */
  #pick(frontend: Frontend): PendingRequest | undefined {
    let best: PendingRequest | undefined;
    let bestShown = Infinity;
    for (const pending of this.#pending.values()) {
      if (pending.done || pending.finishedBy.has(frontend)) continue;
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
    try {
      if (pending.done) {
        this.#log.debug(`Dropping a late answer for ${pending.request.path} from ${source}`);
        return;
      }
      pending.done = true;
      let payload: Uint8Array<ArrayBuffer>;
      try {
        payload = encodePasswordReply(passwords);
      } catch (error) {
        this.#log.error(`Cannot answer ${pending.request.path}: ${(error as Error).message}`);
        return;
      }
      const result = sendReply(pending.request.socket, payload);
      if (result.sent) {
        this.#answered++;
        const id = pending.request.id;
        if (id) this.#answeredIds.set(id, (this.#answeredIds.get(id) ?? 0) + 1);
        this.#log.info(`Answered ${pending.request.path} from ${source}`);
        if (typed && this.#options.cache && passwords.length === 1) {
          this.#options.cache.remember(passwords[0]);
        }
      } else if (result.askerGone) {
        this.#log.notice(
          `Asker of ${pending.request.path} has gone before the answer from ${source} (${result.reason})`,
        );
      } else {
        this.#log.error(`Failed to answer ${pending.request.path}: ${result.reason}`);
      }
    } finally {
      for (const password of passwords) password.fill(0);
      this.#release(pending);
      this.#changes.notify();
    }
    if (typed) { for (const other of this.#pending.values()) this.#answerFromCache(other); }
  }

  #answerFromCache(pending: PendingRequest): void {
    const cache = this.#options.cache;
    if (!cache || pending.done || pending.triedCache || !pending.request.acceptCached) return;
    // A retry of an Id we answered means what we sent was wrong: ask the person.
    if (pending.attempt > 1) return;
    const passwords = cache.passwords();
    if (passwords.length === 0) return;
    pending.triedCache = true;
    this.#answer(pending, passwords, "the password cache (AcceptCached=1)", false);
  }

  #withdraw(pending: PendingRequest, reason: string): void {
    if (pending.done) return;
    pending.done = true;
    this.#log.info(`Withdrawing ${pending.request.path}: ${reason}`);
    this.#release(pending);
    this.#changes.notify();
  }

  #release(pending: PendingRequest): void {
    clearTimeout(pending.timer);
    pending.timer = undefined;
    pending.withdraw.abort();
  }

  /** A query is complete when every request is done or every frontend is finished with it. */
  #checkFinished(): void {
    if (this.#options.mode !== "query" || this.#finished.signal.aborted) return;
    const frontends = this.#options.frontends.length;
    for (const pending of this.#pending.values()) {
      if (!pending.done && pending.finishedBy.size < frontends) return;
    }
    this.#finished.abort();
  }
}

function describe(request: AskRequest): string {
  const parts = [JSON.stringify(request.message ?? "")];
  if (request.id) parts.push(`Id=${JSON.stringify(request.id)}`);
  if (request.pid > 0) parts.push(`PID ${request.pid}`);
  if (request.echo) parts.push("Echo=1");
  if (request.silent) parts.push("Silent=1");
  if (request.acceptCached) parts.push("AcceptCached=1");
  return parts.join(", ");
}
