/**
 * epoll(7): the kernel's readiness set behind askpw's one event loop.
 *
 * @module
 */
import { DescriptorFlags } from "./descriptor_flags.ts";
import { closeFd } from "./file_descriptor.ts";
import { check, Errno, lastErrno, SystemCallError } from "./errno.ts";
import { libc } from "./libc.ts";

/** epoll event bits (the same values as poll(2)'s). */
export const EpollEvents = {
  EPOLLIN: 0x1,
  EPOLLPRI: 0x2,
  EPOLLOUT: 0x4,
  EPOLLERR: 0x8,
  EPOLLHUP: 0x10,
  EPOLLRDHUP: 0x2000,
} as const;

const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;
/** `struct epoll_event` is packed on x86_64: u32 events, u64 data. */
const EVENT_SIZE = 12;

/** One ready descriptor, named by the token it was registered with. */
export interface EpollReady {
  /** The token given to {@linkcode Epoll.add}. */
  token: number;
  /** The ready `EpollEvents` bits. */
  events: number;
}

/** An epoll instance (close-on-exec). */
export class Epoll implements Disposable {
  /** The epoll descriptor. */
  readonly fd: number;
  #events: Uint8Array<ArrayBuffer>;
  #view: DataView;
  #waiting = false;

  /**
   * Creates the instance.
   *
   * @example Usage
   * ```ts
   * import { Epoll } from "./epoll.ts";
   * using epoll = new Epoll(16);
   * ```
   * @param maxEvents How many ready descriptors one wait reports at most.
   * @throws {SystemCallError} When epoll_create1 fails.
   */
  constructor(maxEvents = 64) {
    this.fd = check("epoll_create1", libc.symbols.epoll_create1(DescriptorFlags.CLOEXEC));
    this.#events = new Uint8Array(EVENT_SIZE * maxEvents);
    this.#view = new DataView(this.#events.buffer);
  }

  /**
   * Adds `fd` with the events of interest and a token that names it in
   * {@linkcode Epoll.wait}'s results. Takes effect in a wait in progress.
   *
   * @example Usage
   * ```ts
   * import { Epoll, EpollEvents } from "./epoll.ts";
   * using epoll = new Epoll();
   * epoll.add(0, EpollEvents.EPOLLIN, 1);
   * ```
   * @param fd The descriptor.
   * @param events `EpollEvents` bits (level-triggered).
   * @param token A number up to 2^53 that names this registration.
   * @throws {SystemCallError} When epoll_ctl fails (e.g. EPERM for a regular file).
   */
  add(fd: number, events: number, token: number): void {
    this.#control(EPOLL_CTL_ADD, fd, events, token);
  }

  /**
   * Changes the events of interest (and the token) of a registered `fd`.
   *
   * @example Usage
   * ```ts
   * import { Epoll, EpollEvents } from "./epoll.ts";
   * using epoll = new Epoll();
   * epoll.add(0, EpollEvents.EPOLLIN, 1);
   * epoll.modify(0, EpollEvents.EPOLLIN | EpollEvents.EPOLLOUT, 1);
   * ```
   * @param fd The descriptor.
   * @param events The new `EpollEvents` bits.
   * @param token The token.
   * @throws {SystemCallError} When epoll_ctl fails.
   */
  modify(fd: number, events: number, token: number): void {
    this.#control(EPOLL_CTL_MOD, fd, events, token);
  }

  /**
   * Removes `fd`; a descriptor already closed (EBADF) or not registered
   * (ENOENT) is no error, since closing it removed it already.
   *
   * @example Usage
   * ```ts
   * import { Epoll } from "./epoll.ts";
   * using epoll = new Epoll();
   * epoll.remove(0);
   * ```
   * @param fd The descriptor.
   * @throws {SystemCallError} On other errors.
   */
  remove(fd: number): void {
    if (libc.symbols.epoll_ctl(this.fd, EPOLL_CTL_DEL, fd, new Uint8Array(EVENT_SIZE)) === 0) {
      return;
    }
    const errno = lastErrno();
    if (errno === Errno.EBADF || errno === Errno.ENOENT) return;
    throw new SystemCallError("epoll_ctl(DEL)", errno, `fd ${fd}`);
  }

  /**
   * Waits until a registered descriptor is ready, on a worker thread (the
   * JavaScript event loop keeps running). Only one wait may be in progress.
   *
   * @example Usage
   * ```ts
   * import { Epoll } from "./epoll.ts";
   * using epoll = new Epoll();
   * const ready = await epoll.wait(0); // [] at once: nothing registered
   * ```
   * @param timeoutMs Longest wait in ms; -1 waits without limit.
   * @returns The ready registrations (empty after a timeout or EINTR).
   * @throws {Error} When a wait is already in progress.
   */
  async wait(timeoutMs: number): Promise<EpollReady[]> {
    if (this.#waiting) throw new Error("Epoll.wait: a wait is already in progress");
    this.#waiting = true;
    let count: number;
    try {
      count = await libc.symbols.epoll_wait_blocking(
        this.fd,
        this.#events,
        this.#events.length / EVENT_SIZE,
        timeoutMs,
      );
    } finally {
      this.#waiting = false;
    }
    // The worker thread's errno is not ours to read; the only failure a valid
    // epoll descriptor can see is EINTR, which is a spurious wake-up.
    const ready: EpollReady[] = [];
    for (let i = 0; i < count; i++) {
      ready.push({
        events: this.#view.getUint32(i * EVENT_SIZE, true),
        token: Number(this.#view.getBigUint64(i * EVENT_SIZE + 4, true)),
      });
    }
    return ready;
  }

  /** Closes the epoll descriptor (registered descriptors stay open). */
  [Symbol.dispose](): void {
    closeFd(this.fd);
  }

  #control(op: number, fd: number, events: number, token: number): void {
    const event = new Uint8Array(EVENT_SIZE);
    const view = new DataView(event.buffer);
    view.setUint32(0, events, true);
    view.setBigUint64(4, BigInt(token), true);
    check(
      op === EPOLL_CTL_ADD ? "epoll_ctl(ADD)" : "epoll_ctl(MOD)",
      libc.symbols.epoll_ctl(this.fd, op, fd, event),
      `fd ${fd}`,
    );
  }
}
