/**
 * A Varlink server: it accepts connections on a listening socket and serves
 * the interfaces it is given (and `org.varlink.service`), knowing nothing of
 * what their methods do (src/varlink/varlink_method.ts). Each connection
 * frames, bounds and answers its calls (src/varlink/varlink_connection.ts).
 *
 * Each peer uid (SO_PEERCRED at accept) has its own budget of connections,
 * queued calls and bytes, and all uids but the privileged ones share one
 * more, so no local user can refuse or delay root's calls
 * (src/varlink/peer_limits.ts); a message that was begun must be finished
 * within `partialTimeoutMs`.
 *
 * @module
 */
import { closeFd } from "../ffi/file_descriptor.ts";
import { acceptConnection } from "../ffi/stream_socket.ts";
import { type PeerCredentials, peerCredentials } from "../ffi/peer_credentials.ts";
import type { Logger } from "../log/log.ts";
import { LogRateLimit } from "../log/log_rate_limit.ts";
import { type Reactor, Readiness, type Timer, type Watch } from "../reactor/reactor.ts";
import { BufferPool } from "./buffer_pool.ts";
import { type PeerLimitOptions, PeerLimits } from "./peer_limits.ts";
import { INBOX_BYTES, VarlinkConnection } from "./varlink_connection.ts";
import { VarlinkDispatcher } from "./varlink_dispatcher.ts";
import type { VarlinkInterface } from "./varlink_method.ts";

/** Accepts per wake-up: the loop serves everyone in turn. */
const ACCEPTS_PER_WAKE = 256;

/** Options for a {@linkcode VarlinkListener}. */
export interface VarlinkListenerOptions {
  /** A listening AF_UNIX stream socket (non-blocking). */
  listenFd: number;
  /** The event loop. */
  reactor: Reactor;
  /** Where events go. */
  log: Logger;
  /** The interfaces served, besides `org.varlink.service`. */
  interfaces: readonly VarlinkInterface[];
  /** The uids whose connections others never count against (root, the served directory's owner). */
  privilegedUids: ReadonlySet<number>;
  /** Connections at once of one privileged uid (default 64). */
  maxConnections?: number;
  /** The budgets of each peer uid and of the unprivileged ones together (see PeerLimits). */
  peerLimits?: Omit<PeerLimitOptions, "privilegedUids" | "privilegedConnections">;
  /** Bytes of one message (default 64 KiB). */
  maxMessageBytes?: number;
  /** Calls waiting behind the one in progress, per connection (default 16). */
  maxQueuedCalls?: number;
  /** How long a message that was begun may take to finish (default 5 s). */
  partialTimeoutMs?: number;
}

/** Serves interfaces on a listening socket until disposed. */
export class VarlinkListener implements Disposable {
  #options: Required<VarlinkListenerOptions>;
  #connections = new Set<VarlinkConnection>();
  #dispatcher: VarlinkDispatcher;
  #listenWatch: Watch;
  #sweep: Timer | undefined;
  #limited: LogRateLimit;
  #limits: PeerLimits;
  #pool = new BufferPool();

  /**
   * Starts accepting connections.
   *
   * @example Usage
   * ```ts
   * import { VarlinkListener } from "./varlink_listener.ts";
   * import { systemdInterface } from "./systemd_interface.ts";
   * import { createLogger } from "../log/log.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * import { listenStream } from "../ffi/stream_socket.ts";
   * await using reactor = new Reactor();
   * using listener = new VarlinkListener({
   *   listenFd: listenStream(`@askpw-varlink-example-${Deno.pid}`),
   *   reactor,
   *   log: createLogger(),
   *   interfaces: [systemdInterface],
   *   privilegedUids: new Set([0]),
   * });
   * ```
   * @param options See {@linkcode VarlinkListenerOptions}.
   * @throws {TypeError} When two interfaces have the same name.
   */
  constructor(options: VarlinkListenerOptions) {
    this.#options = {
      maxConnections: 64,
      maxMessageBytes: 64 * 1024,
      maxQueuedCalls: 16,
      partialTimeoutMs: 5_000,
      peerLimits: {},
      ...options,
    };
    this.#limits = new PeerLimits({
      ...this.#options.peerLimits,
      privilegedUids: options.privilegedUids,
      privilegedConnections: this.#options.maxConnections,
    });
    this.#dispatcher = new VarlinkDispatcher(options.interfaces, options.log);
    this.#limited = new LogRateLimit(options.log, { timers: options.reactor });
    this.#listenWatch = options.reactor.watch(options.listenFd, Readiness.IN, () => this.#accept());
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** What the peers hold now, per uid and together (tests). */
  get limits(): PeerLimits {
    return this.#limits;
  }

  /** Closes every connection (questions in progress are taken back) and stops accepting. */
  [Symbol.dispose](): void {
    this.#listenWatch.close();
    for (const connection of [...this.#connections]) connection.close();
    this.#sweep?.cancel();
    this.#limited[Symbol.dispose]();
  }

  #accept(): void {
    for (let accepted = 0; accepted < ACCEPTS_PER_WAKE; accepted++) {
      let fd: number | null;
      try {
        fd = acceptConnection(this.#options.listenFd);
      } catch (error) {
        this.#limited.log(
          "warning",
          "accept",
          `Varlink: accept failed: ${(error as Error).message}`,
        );
        return;
      }
      if (fd === null) return;
      let peer: PeerCredentials | undefined;
      try {
        peer = peerCredentials(fd);
      } catch {
        peer = undefined;
      }
      // A peer without credentials draws on the unprivileged budgets, as an unknown uid.
      const uid = peer?.uid ?? -1;
      let refusal = this.#limits.reserve(uid, "connections", 1);
      if (refusal === undefined) {
        refusal = this.#limits.reserve(uid, "bytes", INBOX_BYTES);
        if (refusal !== undefined) this.#limits.release(uid, "connections", 1);
      }
      if (refusal !== undefined) {
        closeFd(fd);
        this.#limited.log(
          "warning",
          "too many",
          refusal === "uid"
            ? `Varlink: uid ${uid} holds too many connections; one refused`
            : `Varlink: other users hold too many connections; one of uid ${uid} refused`,
        );
        continue;
      }
      const connection = new VarlinkConnection(fd, peer, {
        reactor: this.#options.reactor,
        log: this.#options.log,
        limitedLog: this.#limited,
        dispatcher: this.#dispatcher,
        limits: this.#limits,
        pool: this.#pool,
        maxMessageBytes: this.#options.maxMessageBytes,
        maxQueuedCalls: this.#options.maxQueuedCalls,
        onClose: (closed) => this.#connections.delete(closed),
        onPartial: () => this.#armSweep(),
      });
      this.#connections.add(connection);
    }
  }

  /** One timer while any connection holds half a message: slow callers are closed. */
  #armSweep(): void {
    if (this.#sweep) return;
    this.#sweep = this.#options.reactor.after(this.#options.partialTimeoutMs / 2, () => {
      this.#sweep = undefined;
      const now = performance.now();
      let partial = false;
      for (const connection of [...this.#connections]) {
        const since = connection.partialSince;
        if (since === undefined) continue;
        if (now - since >= this.#options.partialTimeoutMs) {
          this.#limited.log(
            "notice",
            "slow",
            `Varlink: ${connection.who} sent half a message; closed`,
          );
          connection.close();
        } else {
          partial = true;
        }
      }
      if (partial) this.#armSweep();
    });
  }
}
