/**
 * The one place askpw waits: an epoll set holding every descriptor askpw
 * watches (inotify, pidfds, terminals, the uevent socket, Plymouth
 * connections, reply sockets waiting for room) plus one timerfd for every
 * deadline, served by a single `epoll_wait` on one worker thread. Readiness
 * is dispatched to the callback that registered the descriptor, on the
 * JavaScript thread, so nothing else ever blocks and the number of threads
 * and descriptors does not grow with the number of pending requests.
 *
 * This is what sd-event gives systemd's agents. epoll_ctl() takes effect in
 * an epoll_wait() in progress, so changing the set needs no wake-up; the
 * eventfd only wakes the loop to stop it.
 *
 * @module
 */
import { monotonicMicros } from "../ffi/clock.ts";
import { Epoll, EpollEvents } from "../ffi/epoll.ts";
import { EventFd } from "../ffi/event_fd.ts";
import { TimerFd } from "../ffi/timer_fd.ts";
import { type QueuedTimer, TimerQueue } from "./timer_queue.ts";

/** Readiness bits, as poll(2) and epoll(7) share them. */
export const Readiness = {
  IN: EpollEvents.EPOLLIN,
  OUT: EpollEvents.EPOLLOUT,
  ERR: EpollEvents.EPOLLERR,
  HUP: EpollEvents.EPOLLHUP,
} as const;

/** A registration of interest in a descriptor. */
export interface Watch {
  /** Whether {@linkcode Watch.close} was called. */
  readonly closed: boolean;
  /** Changes the events of interest. */
  modify(events: number): void;
  /** Ends the registration; call it before closing the descriptor. */
  close(): void;
}

/** A pending timer. */
export interface Timer {
  /** Stops it from firing (idempotent). */
  cancel(): void;
}

/** Options for a {@linkcode Reactor}. */
export interface ReactorOptions {
  /** Where an exception thrown by a callback goes (default: `reportError`). */
  onError?: (error: unknown) => void;
}

const WAKE_TOKEN = 1;
const TIMER_TOKEN = 2;
const ALWAYS = EpollEvents.EPOLLERR | EpollEvents.EPOLLHUP;

interface Watcher {
  events: number;
  onReady: (events: number) => void;
  closed: boolean;
}

interface Registration {
  fd: number;
  token: number;
  mask: number;
  watchers: Set<Watcher>;
}

/** The event loop. */
export class Reactor implements AsyncDisposable {
  #epoll = new Epoll(128);
  #wake = new EventFd();
  #timerFd = new TimerFd();
  #timers = new TimerQueue();
  #armed: bigint | undefined;
  #byFd = new Map<number, Registration>();
  #byToken = new Map<number, Registration>();
  #nextToken = 3;
  #stopping = false;
  #running: Promise<void>;
  #onError: (error: unknown) => void;

  /**
   * Creates the loop and starts waiting.
   *
   * @example Usage
   * ```ts
   * import { Reactor } from "./reactor.ts";
   * await using reactor = new Reactor();
   * await reactor.sleep(1);
   * ```
   * @param options See {@linkcode ReactorOptions}.
   * @throws {SystemCallError} When epoll, the eventfd or the timerfd cannot be created.
   */
  constructor(options: ReactorOptions = {}) {
    this.#onError = options.onError ?? ((error) => reportError(error));
    this.#epoll.add(this.#wake.fd, EpollEvents.EPOLLIN, WAKE_TOKEN);
    this.#epoll.add(this.#timerFd.fd, EpollEvents.EPOLLIN, TIMER_TOKEN);
    this.#running = this.#loop();
  }

  /** Descriptors registered (for tests and diagnostics). */
  get descriptorCount(): number {
    return this.#byFd.size;
  }

  /** Timers pending (for tests and diagnostics). */
  get timerCount(): number {
    return this.#timers.size;
  }

  /**
   * Calls `onReady` with the ready bits whenever `fd` is ready for `events`
   * (level-triggered: the callback must consume the readiness or close the
   * watch). Errors and hang-ups are always reported. Several watches may
   * share one descriptor.
   *
   * @example Usage
   * ```ts
   * import { Reactor, Readiness } from "./reactor.ts";
   * await using reactor = new Reactor();
   * const watch = reactor.watch(0, Readiness.IN, (events) => console.log(events));
   * watch.close();
   * ```
   * @param fd The descriptor (not a regular file: epoll refuses those).
   * @param events `Readiness` bits of interest.
   * @param onReady Called on the JavaScript thread with the ready bits.
   * @returns The watch.
   * @throws {SystemCallError} When epoll refuses the descriptor.
   */
  watch(fd: number, events: number, onReady: (events: number) => void): Watch {
    if (this.#stopping) throw new Error("Reactor.watch: the reactor is closed");
    const watcher: Watcher = { events, onReady, closed: false };
    let registration = this.#byFd.get(fd);
    if (!registration) {
      registration = { fd, token: this.#nextToken++, mask: events, watchers: new Set([watcher]) };
      this.#epoll.add(fd, events, registration.token);
      this.#byFd.set(fd, registration);
      this.#byToken.set(registration.token, registration);
    } else {
      registration.watchers.add(watcher);
      this.#updateMask(registration);
    }
    const owner = registration;
    return {
      get closed() {
        return watcher.closed;
      },
      modify: (next: number) => {
        if (watcher.closed) return;
        watcher.events = next;
        this.#updateMask(owner);
      },
      close: () => {
        if (watcher.closed) return;
        watcher.closed = true;
        owner.watchers.delete(watcher);
        if (owner.watchers.size > 0) {
          this.#updateMask(owner);
          return;
        }
        this.#byFd.delete(owner.fd);
        this.#byToken.delete(owner.token);
        this.#epoll.remove(owner.fd);
      },
    };
  }

  /**
   * Waits once for `fd` to be ready, for `signal` to abort or for `timeoutMs`.
   *
   * @example Usage
   * ```ts
   * import { Reactor, Readiness } from "./reactor.ts";
   * await using reactor = new Reactor();
   * const events = await reactor.ready(0, Readiness.IN, undefined, 10);
   * ```
   * @param fd The descriptor.
   * @param events `Readiness` bits of interest.
   * @param signal Ends the wait early.
   * @param timeoutMs Longest wait; none when omitted or negative.
   * @returns The ready bits, 0 after an abort or timeout.
   */
  ready(fd: number, events: number, signal?: AbortSignal, timeoutMs = -1): Promise<number> {
    if (signal?.aborted) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      let timer: Timer | undefined;
      let watch: Watch | undefined;
      const finish = (revents: number) => {
        watch?.close();
        timer?.cancel();
        signal?.removeEventListener("abort", onAbort);
        resolve(revents);
      };
      const onAbort = () => finish(0);
      try {
        watch = this.watch(fd, events, finish);
      } catch (error) {
        reject(error);
        return;
      }
      if (timeoutMs >= 0) timer = this.after(timeoutMs, () => finish(0));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Runs `callback` at an absolute CLOCK_MONOTONIC time (µs), the clock of
   * `NotAfter=`. All timers share one timerfd.
   *
   * @example Usage
   * ```ts
   * import { Reactor } from "./reactor.ts";
   * import { monotonicMicros } from "../ffi/clock.ts";
   * await using reactor = new Reactor();
   * reactor.at(monotonicMicros() + 1000n, () => console.log("due")).cancel();
   * ```
   * @param deadlineMicros When.
   * @param callback What to run, on the JavaScript thread.
   * @returns The timer.
   */
  at(deadlineMicros: bigint, callback: () => void): Timer {
    const queued = this.#timers.add(deadlineMicros, callback);
    this.#rearm();
    return {
      cancel: () => {
        if (queued.done) return;
        this.#timers.cancel(queued);
        this.#rearm();
      },
    };
  }

  /**
   * Runs `callback` after `ms` milliseconds.
   *
   * @example Usage
   * ```ts
   * import { Reactor } from "./reactor.ts";
   * await using reactor = new Reactor();
   * reactor.after(1000, () => console.log("later")).cancel();
   * ```
   * @param ms Delay.
   * @param callback What to run.
   * @returns The timer.
   */
  after(ms: number, callback: () => void): Timer {
    return this.at(monotonicMicros() + BigInt(Math.max(0, Math.ceil(ms * 1000))), callback);
  }

  /**
   * Resolves after `ms` milliseconds, or when `signal` aborts.
   *
   * @example Usage
   * ```ts
   * import { Reactor } from "./reactor.ts";
   * await using reactor = new Reactor();
   * await reactor.sleep(1);
   * ```
   * @param ms Delay.
   * @param signal Ends the sleep early.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        timer.cancel();
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = this.after(ms, done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Stops the loop and closes its own descriptors (watched ones stay open). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#stopping) return await this.#running;
    this.#stopping = true;
    this.#wake.signal();
    await this.#running;
    this.#epoll[Symbol.dispose]();
    this.#wake[Symbol.dispose]();
    this.#timerFd[Symbol.dispose]();
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      const ready = await this.#epoll.wait(-1);
      for (const { token, events } of ready) {
        if (token === WAKE_TOKEN) {
          this.#wake.acknowledge();
        } else if (token === TIMER_TOKEN) {
          this.#timerFd.acknowledge();
          this.#armed = undefined;
          this.#fireTimers();
        } else {
          this.#dispatch(token, events);
        }
      }
    }
  }

  #dispatch(token: number, events: number): void {
    // A registration closed by an earlier callback of this batch is gone.
    const registration = this.#byToken.get(token);
    if (!registration) return;
    for (const watcher of [...registration.watchers]) {
      if (watcher.closed || (events & (watcher.events | ALWAYS)) === 0) continue;
      try {
        watcher.onReady(events);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  #fireTimers(): void {
    const due: QueuedTimer[] = this.#timers.takeDue(monotonicMicros());
    for (const timer of due) {
      try {
        timer.callback();
      } catch (error) {
        this.#onError(error);
      }
    }
    this.#rearm();
  }

  #rearm(): void {
    const next = this.#timers.next();
    if (next === this.#armed) return;
    this.#armed = next;
    this.#timerFd.arm(next);
  }

  #updateMask(registration: Registration): void {
    let mask = 0;
    for (const watcher of registration.watchers) mask |= watcher.events;
    if (mask === registration.mask) return;
    registration.mask = mask;
    this.#epoll.modify(registration.fd, mask, registration.token);
  }
}
