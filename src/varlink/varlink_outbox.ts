/**
 * The replies of one Varlink connection on their way out: written at once
 * where the socket takes them, else queued (copied; the original may be
 * secret memory that is wiped next) until the socket has room. A caller
 * that does not read its replies cannot make askpw hold more than a bound:
 * past it, or past its uid's budget, the connection is given up.
 *
 * @module
 */
import { writeSome } from "../ffi/file_descriptor.ts";
import { type Reactor, Readiness, type Watch } from "../reactor/reactor.ts";

/** Why a {@linkcode VarlinkOutbox} gave up: the connection is to be closed. */
export type OutboxFailure =
  /** The socket refused a write (the caller is gone). */
  | "write"
  /** More than `maxBytes` wait unread. */
  | "unread"
  /** The uid's budget refused the bytes to queue. */
  | "budget";

/** Options for a {@linkcode VarlinkOutbox}. */
export interface VarlinkOutboxOptions {
  /** The connection's socket (non-blocking). */
  fd: number;
  /** The event loop that says when the socket has room. */
  reactor: Reactor;
  /** Bytes that may wait unread. */
  maxBytes: number;
  /** Takes queued bytes from the uid's budget; false when it is spent. */
  take(bytes: number): boolean;
  /** Gives written bytes back to the budget. */
  free(bytes: number): void;
  /** Called when the outbox gives up; it sends nothing more. */
  fail(why: OutboxFailure): void;
}

/** What one connection has still to write. */
export class VarlinkOutbox implements Disposable {
  #options: VarlinkOutboxOptions;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #drain: Watch | undefined;

  /**
   * Creates an empty outbox.
   *
   * @example Usage
   * ```ts
   * import { VarlinkOutbox } from "./varlink_outbox.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * const fd = 3; // a descriptor of the caller's
   * await using reactor = new Reactor();
   * using outbox = new VarlinkOutbox({
   *   fd,
   *   reactor,
   *   maxBytes: 64 * 1024,
   *   take: () => true,
   *   free: () => {},
   *   fail: () => {},
   * });
   * outbox.send(new TextEncoder().encode('{"parameters":{}}\0'));
   * ```
   * @param options See {@linkcode VarlinkOutboxOptions}.
   */
  constructor(options: VarlinkOutboxOptions) {
    this.#options = options;
  }

  /**
   * Writes a framed reply, or queues what the socket does not take now.
   *
   * @example Usage
   * ```ts
   * import type { VarlinkOutbox } from "./varlink_outbox.ts";
   * const outbox = {} as VarlinkOutbox;
   * outbox.send(new TextEncoder().encode('{"parameters":{}}\0'));
   * ```
   * @param bytes The reply; not kept (what waits is a copy).
   */
  send(bytes: Uint8Array): void {
    if (this.#queue.length === 0) {
      let written: number | null;
      try {
        written = writeSome(this.#options.fd, bytes as Uint8Array<ArrayBuffer>);
      } catch {
        this.#options.fail("write");
        return;
      }
      if (written === bytes.length) return;
      bytes = bytes.subarray(written ?? 0);
    }
    this.#queued += bytes.length;
    if (this.#queued > this.#options.maxBytes) {
      this.#options.fail("unread");
      return;
    }
    if (!this.#options.take(bytes.length)) {
      this.#options.fail("budget");
      return;
    }
    this.#queue.push(bytes.slice());
    this.#drain ??= this.#options.reactor.watch(
      this.#options.fd,
      Readiness.OUT,
      () => this.#flush(),
    );
  }

  /** Wipes what waits and stops watching the socket (which the connection closes). */
  [Symbol.dispose](): void {
    this.#drain?.close();
    this.#drain = undefined;
    for (const bytes of this.#queue) bytes.fill(0);
    this.#queue = [];
  }

  #flush(): void {
    while (this.#queue.length > 0) {
      const head = this.#queue[0];
      let written: number | null;
      try {
        written = writeSome(this.#options.fd, head as Uint8Array<ArrayBuffer>);
      } catch {
        this.#options.fail("write");
        return;
      }
      if (written === null) return;
      this.#queued -= written;
      this.#options.free(written);
      if (written < head.length) {
        this.#queue[0] = head.slice(written);
        head.fill(0);
        return;
      }
      head.fill(0);
      this.#queue.shift();
    }
    this.#drain?.close();
    this.#drain = undefined;
  }
}
