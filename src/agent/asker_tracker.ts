/**
 * Knows who asks and when askers exit, through pidfds (immune to PID
 * reuse): one pidfd per asker process, shared by all of its requests, in the
 * reactor's epoll set, and the process's identity read once through it. A
 * process's pidfd polls readable once it has exited.
 *
 * @module
 */
import { closeFd } from "../ffi/file_descriptor.ts";
import { openPidfd, processHasExited } from "../ffi/process.ts";
import { type AskerIdentity, identifyProcess } from "../request/asker_identity.ts";
import { type Reactor, Readiness, type Watch } from "../reactor/reactor.ts";

interface Tracked {
  pidfd: number;
  identity?: AskerIdentity;
  watch: Watch;
  listeners: Set<() => void>;
  closed: boolean;
}

/** What {@linkcode AskerTracker.track} found. */
export type Tracking =
  /** The asker lives; `stop` ends the listening; `identity` says who it is. */
  | { kind: "tracking"; stop: () => void; identity?: AskerIdentity }
  /** There is no such process. */
  | { kind: "gone" }
  /** It cannot be tracked (e.g. no pidfd support): treat it as alive. */
  | { kind: "untracked"; reason: string };

/** pidfds of the askers of pending requests. */
export class AskerTracker implements Disposable {
  #reactor: Reactor;
  #byPid = new Map<number, Tracked>();

  /**
   * Creates the tracker.
   *
   * @example Usage
   * ```ts
   * import { AskerTracker } from "./asker_tracker.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * await using reactor = new Reactor();
   * using tracker = new AskerTracker(reactor);
   * ```
   * @param reactor The event loop the pidfds join.
   */
  constructor(reactor: Reactor) {
    this.#reactor = reactor;
  }

  /** Processes tracked (one pidfd each). */
  get size(): number {
    return this.#byPid.size;
  }

  /**
   * Calls `onExit` once when process `pid` exits.
   *
   * @example Usage
   * ```ts
   * import { AskerTracker } from "./asker_tracker.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * await using reactor = new Reactor();
   * using tracker = new AskerTracker(reactor);
   * const tracking = tracker.track(Deno.pid, () => console.log("exited"));
   * if (tracking.kind === "tracking") tracking.stop();
   * ```
   * @param pid The asker's PID.
   * @param onExit Called when it exits.
   * @returns Whether it is tracked.
   */
  track(pid: number, onExit: () => void): Tracking {
    let tracked = this.#byPid.get(pid);
    // A pidfd that already fired belongs to a process that is gone: a new
    // asker with the same PID gets its own.
    if (tracked && processHasExited(tracked.pidfd)) {
      this.#fire(pid, tracked);
      tracked = undefined;
    }
    if (!tracked) {
      let pidfd: number | undefined;
      try {
        pidfd = openPidfd(pid);
      } catch (error) {
        return { kind: "untracked", reason: (error as Error).message };
      }
      if (pidfd === undefined) return { kind: "gone" };
      // A zombie's pidfd is readable at once: it will never read an answer.
      if (processHasExited(pidfd)) {
        closeFd(pidfd);
        return { kind: "gone" };
      }
      const opened = pidfd;
      const entry: Tracked = {
        pidfd: opened,
        identity: identifyProcess(pid, opened),
        listeners: new Set(),
        closed: false,
        watch: this.#reactor.watch(opened, Readiness.IN, () => this.#fire(pid, entry)),
      };
      tracked = entry;
      this.#byPid.set(pid, entry);
    }
    const entry = tracked;
    const listener = () => onExit();
    entry.listeners.add(listener);
    return {
      kind: "tracking",
      identity: entry.identity,
      stop: () => {
        if (!entry.listeners.delete(listener) || entry.listeners.size > 0) return;
        this.#close(pid, entry);
      },
    };
  }

  /** Closes every pidfd. */
  [Symbol.dispose](): void {
    for (const [pid, entry] of this.#byPid) this.#close(pid, entry);
  }

  #fire(pid: number, entry: Tracked): void {
    this.#close(pid, entry);
    for (const listener of [...entry.listeners]) listener();
    entry.listeners.clear();
  }

  #close(pid: number, entry: Tracked): void {
    if (entry.closed) return;
    entry.closed = true;
    if (this.#byPid.get(pid) === entry) this.#byPid.delete(pid);
    entry.watch.close();
    closeFd(entry.pidfd);
  }
}
