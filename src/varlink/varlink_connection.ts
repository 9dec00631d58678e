/**
 * One Varlink connection: NUL-terminated JSON messages read into a bounded
 * inbox, calls queued and answered in order, one at a time, through a
 * {@linkcode VarlinkDispatcher}, and replies written as room allows.
 *
 * Hostile callers are bounded: a message of at most `maxMessageBytes`,
 * `maxQueuedCalls` calls waiting, replies that are not read close the
 * connection, and everything held (the connection, its inbox, its calls,
 * its unread replies) is drawn from its uid's budget (src/varlink/peer_limits.ts).
 * On a socket with SO_PASSPIDFD on, every read brings a pidfd of the bytes'
 * sender, which names the caller of the calls those bytes complete;
 * descriptors a caller attaches are closed unread.
 *
 * @module
 */
import { closeFd, readFd } from "../ffi/file_descriptor.ts";
import { integerOption } from "../ffi/socket_options.ts";
import { type PeerCredentials, peerPidfd } from "../ffi/peer_credentials.ts";
import { receiveFromStream, type StreamChunk } from "../ffi/ancillary_messages.ts";
import { SocketConstants } from "../ffi/socket_constants.ts";
import type { Logger } from "../log/log.ts";
import type { LogRateLimit } from "../log/log_rate_limit.ts";
import { type AskerIdentity, identifyProcess } from "../request/asker_identity.ts";
import { type Reactor, Readiness, type Watch } from "../reactor/reactor.ts";
import type { BufferPool } from "./buffer_pool.ts";
import type { PeerLimits } from "./peer_limits.ts";
import { describeCaller, MessageSenders } from "./varlink_caller.ts";
import type { VarlinkDispatcher } from "./varlink_dispatcher.ts";
import { parseCall, type VarlinkCall, VarlinkProtocolError } from "./varlink_message.ts";
import { type OutboxFailure, VarlinkOutbox } from "./varlink_outbox.ts";

/** The inbox a connection starts with, and shrinks back to once a big message is done. */
export const INBOX_BYTES = 4096;
/** Reads of one connection per wake-up: the loop serves everyone in turn. */
const READS_PER_WAKE = 16;

/** What a {@linkcode VarlinkConnection} shares with its server. */
export interface VarlinkConnectionContext {
  /** The event loop. */
  reactor: Reactor;
  /** Where events go. */
  log: Logger;
  /** Where lines a hostile caller could repeat go. */
  limitedLog: LogRateLimit;
  /** The methods served. */
  dispatcher: VarlinkDispatcher;
  /** The budgets of each peer uid. */
  limits: PeerLimits;
  /** Where inboxes come from and go back to. */
  pool: BufferPool;
  /** Bytes of one message. */
  maxMessageBytes: number;
  /** Calls waiting behind the one in progress. */
  maxQueuedCalls: number;
  /** Called once when the connection closes. */
  onClose(connection: VarlinkConnection): void;
  /** Called when the connection holds half a message (the server sweeps slow ones). */
  onPartial(): void;
}

/** An accepted connection, served until the caller hangs up or is closed. */
export class VarlinkConnection {
  /** The socket. */
  readonly fd: number;
  /** SO_PEERCRED, read at accept. */
  readonly peer: PeerCredentials | undefined;
  /** The uid whose budgets the connection draws on (-1 without credentials). */
  readonly uid: number;
  /** The process that opened the connection, by its SO_PEERPIDFD. */
  readonly identity: AskerIdentity | undefined;
  /** When the half message in the inbox began (performance.now()), if there is one. */
  partialSince: number | undefined;
  #context: VarlinkConnectionContext;
  #watch: Watch;
  #inbox: Uint8Array<ArrayBuffer>;
  /** What this connection holds of its uid's budgets (its connection, its inbox): given back at close. */
  #held = { connections: 1, calls: 0, bytes: INBOX_BYTES };
  #filled = 0;
  #outbox: VarlinkOutbox;
  #calls: { call: VarlinkCall; sender: AskerIdentity | undefined; bytes: number }[] = [];
  /** Set when the connection has SO_PASSPIDFD on: messages are read with their senders' pidfds. */
  #senders: MessageSenders | undefined;
  /** The sender of the bytes read last, by the pidfd that came with them. */
  #sender: AskerIdentity | undefined;
  #busy = false;
  /** Aborted at close: the call in progress (a question) is taken back. */
  #closing = new AbortController();
  #closed = false;

  /**
   * Serves an accepted socket; its uid's connection and {@linkcode INBOX_BYTES}
   * must have been reserved in `context.limits`.
   *
   * @example Usage
   * ```ts
   * import { VarlinkConnection } from "./varlink_connection.ts";
   * import type { VarlinkConnectionContext } from "./varlink_connection.ts";
   * import { acceptConnection } from "../ffi/stream_socket.ts";
   * import { peerCredentials } from "../ffi/peer_credentials.ts";
   * const listenFd = 3; // a descriptor of the caller's
   * const context = {} as VarlinkConnectionContext;
   * const fd = acceptConnection(listenFd)!;
   * const connection = new VarlinkConnection(fd, peerCredentials(fd), context);
   * ```
   * @param fd The accepted socket (non-blocking); closed with the connection.
   * @param peer Its SO_PEERCRED.
   * @param context What it shares with its server.
   */
  constructor(
    fd: number,
    peer: PeerCredentials | undefined,
    context: VarlinkConnectionContext,
  ) {
    this.fd = fd;
    this.peer = peer;
    this.uid = peer?.uid ?? -1;
    this.#context = context;
    this.#inbox = context.pool.take(INBOX_BYTES);
    this.#outbox = new VarlinkOutbox({
      fd,
      reactor: context.reactor,
      maxBytes: context.maxMessageBytes,
      take: (bytes) => this.#take("bytes", bytes),
      free: (bytes) => this.#free("bytes", bytes),
      fail: (why) => this.#failed(why),
    });
    const pidfd = peerPidfd(fd);
    if (pidfd !== undefined) {
      if (this.peer) this.identity = identifyProcess(this.peer.pid, pidfd);
      closeFd(pidfd);
    }
    // Inherited from the listening socket (systemd's PassPIDFD=yes, or askpw's own).
    try {
      if (integerOption(fd, SocketConstants.SO_PASSPIDFD) === 1) {
        this.#senders = new MessageSenders();
      }
    } catch {
      // Read as before, with the connection's credentials.
    }
    context.log.debug(
      `Varlink: connection from ${this.who}${
        this.identity
          ? ` (${this.identity.unit ?? "no unit"}, ${
            this.identity.exe ?? "executable unknown"
          }, pidfs ID ${this.identity.pidfdId ?? "none"})`
          : ""
      }${this.#senders ? "; its messages come with their senders' pidfds" : ""}`,
    );
    this.#watch = context.reactor.watch(fd, Readiness.IN, (events) => this.#readable(events));
  }

  /**
   * The caller, by the pidfd of the bytes read last where one came, else by SO_PEERCRED.
   *
   * @example Usage
   * ```ts
   * import type { VarlinkConnection } from "./varlink_connection.ts";
   * const connection = {} as VarlinkConnection;
   * connection.who; // "PID 42, uid 0"
   * ```
   * @returns The description for the log.
   */
  get who(): string {
    return describeCaller(this.peer, this.#sender);
  }

  /**
   * Closes the socket, takes back the call in progress and gives back all it held.
   *
   * @example Usage
   * ```ts
   * import type { VarlinkConnection } from "./varlink_connection.ts";
   * const connection = {} as VarlinkConnection;
   * connection.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    this.#watch.close();
    this.#outbox[Symbol.dispose]();
    this.#calls = [];
    this.#context.pool.give(this.#inbox);
    this.#inbox = new Uint8Array(0);
    this.#filled = 0;
    closeFd(this.fd);
    for (const resource of ["connections", "calls", "bytes"] as const) {
      this.#free(resource, this.#held[resource]);
    }
    this.#context.onClose(this);
  }

  /** Takes from this uid's budget; false (nothing taken) when it or the shared one is spent. */
  #take(resource: "calls" | "bytes", amount: number): boolean {
    if (this.#context.limits.reserve(this.uid, resource, amount) !== undefined) return false;
    this.#held[resource] += amount;
    return true;
  }

  #free(resource: "connections" | "calls" | "bytes", amount: number): void {
    const given = Math.min(amount, this.#held[resource]);
    this.#held[resource] -= given;
    this.#context.limits.release(this.uid, resource, given);
  }

  /** Closes the connection when its uid (or all others together) may hold no more. */
  #overBudget(what: string): void {
    this.#context.limitedLog.log(
      "notice",
      "budget",
      `Varlink: ${this.who} ${what} beyond its user's budget; closed`,
    );
    this.close();
  }

  #readable(events: number): void {
    let drained = false;
    for (let reads = 0; reads < READS_PER_WAKE; reads++) {
      if (this.#filled === this.#inbox.length) {
        if (this.#inbox.length > this.#context.maxMessageBytes) {
          this.#context.limitedLog.log(
            "notice",
            "oversized",
            `Varlink: ${this.who} sent a message over ${this.#context.maxMessageBytes} bytes; closed`,
          );
          this.close();
          return;
        }
        const size = Math.min(this.#inbox.length * 2, this.#context.maxMessageBytes + 1);
        if (!this.#take("bytes", size - this.#inbox.length)) {
          this.#overBudget("sent a long message");
          return;
        }
        const bigger = this.#context.pool.take(size);
        bigger.set(this.#inbox);
        this.#context.pool.give(this.#inbox);
        this.#inbox = bigger;
      }
      let count: number | null;
      if (this.#senders) {
        count = this.#receive();
      } else {
        try {
          count = readFd(this.fd, this.#inbox.subarray(this.#filled));
        } catch {
          count = 0;
        }
      }
      if (count === null) {
        drained = true;
        break;
      }
      if (count === 0) {
        // The caller hung up: its question, if one is asked, goes with it.
        this.close();
        return;
      }
      this.#filled += count;
      if (this.#senders) {
        // One read holds one sender's bytes: the calls it completes are that sender's.
        this.#takeMessages();
        if (this.#closed) return;
      }
    }
    this.#takeMessages();
    // Not all read yet: the level-triggered watch comes back once others had their turn.
    if (drained && (events & (Readiness.HUP | Readiness.ERR)) !== 0) this.close();
  }

  /**
   * One recvmsg(2): the bytes go to the inbox, the pidfd that came with them
   * names their sender (and is closed), descriptors are closed unread.
   *
   * @returns Bytes read, 0 at the end (or on an error), `null` when nothing is there.
   */
  #receive(): number | null {
    let chunk: StreamChunk | null;
    try {
      chunk = receiveFromStream(this.fd, this.#inbox.subarray(this.#filled));
    } catch {
      return 0;
    }
    if (chunk === null) return null;
    for (const fd of chunk.fds) closeFd(fd);
    this.#sender = chunk.pidfd === undefined ? undefined : this.#senders?.identify(chunk.pidfd);
    if (chunk.fds.length > 0) {
      // Only a kernel without SO_PASSRIGHTS (before 6.16), or a socket with it on, lets them in.
      this.#context.limitedLog.log(
        "notice",
        "descriptors",
        `Varlink: ${this.who} attached ${chunk.fds.length} file descriptor${
          chunk.fds.length === 1 ? "" : "s"
        } to a message; closed unread`,
      );
    }
    return chunk.count;
  }

  #takeMessages(): void {
    for (;;) {
      const end = this.#inbox.subarray(0, this.#filled).indexOf(0);
      if (end < 0) break;
      let call: VarlinkCall;
      try {
        call = parseCall(this.#inbox.subarray(0, end));
      } catch (error) {
        const reason = error instanceof VarlinkProtocolError ? error.message : String(error);
        this.#context.limitedLog.log(
          "notice",
          "malformed",
          `Varlink: ${this.who}: ${reason}; closed`,
        );
        this.close();
        return;
      }
      this.#inbox.copyWithin(0, end + 1, this.#filled);
      this.#inbox.fill(0, this.#filled - end - 1, this.#filled);
      this.#filled -= end + 1;
      if (this.#calls.length >= this.#context.maxQueuedCalls) {
        this.#context.limitedLog.log(
          "notice",
          "flood",
          `Varlink: ${this.who} queued too many calls; closed`,
        );
        this.close();
        return;
      }
      // A call holds its uid's budget, one call and its size, until it is answered.
      if (!this.#take("calls", 1)) {
        this.#overBudget("queued calls");
        return;
      }
      if (!this.#take("bytes", end + 1)) {
        this.#overBudget("queued calls");
        return;
      }
      this.#calls.push({ call, sender: this.#sender, bytes: end + 1 });
    }
    if (this.#inbox.length > INBOX_BYTES && this.#filled <= INBOX_BYTES) {
      // A big message is done: back to the small inbox, and its bytes back to the budget.
      const smaller = this.#context.pool.take(INBOX_BYTES);
      smaller.set(this.#inbox.subarray(0, this.#filled));
      this.#context.pool.give(this.#inbox);
      this.#free("bytes", this.#inbox.length - INBOX_BYTES);
      this.#inbox = smaller;
    }
    this.partialSince = this.#filled > 0 ? (this.partialSince ?? performance.now()) : undefined;
    if (this.partialSince !== undefined) this.#context.onPartial();
    this.#next();
  }

  /** Calls are answered in order, one at a time. */
  #next(): void {
    if (this.#busy || this.#closed) return;
    const next = this.#calls.shift();
    if (!next) return;
    const { call, sender, bytes } = next;
    this.#busy = true;
    this.#context.log.debug(`Varlink: ${call.method} from ${describeCaller(this.peer, sender)}`);
    this.#context.dispatcher.dispatch(call, {
      caller: { peer: this.peer, sender, identity: this.identity },
      limitedLog: this.#context.limitedLog,
      signal: this.#closing.signal,
      send: (reply) => {
        if (!this.#closed) this.#outbox.send(reply);
      },
    }).finally(() => {
      this.#busy = false;
      if (this.#closed) return;
      this.#free("calls", 1);
      this.#free("bytes", bytes);
      this.#next();
    });
  }

  /** The outbox gave up on the caller: the connection goes. */
  #failed(why: OutboxFailure): void {
    if (why === "budget") {
      this.#overBudget("left replies unread");
      return;
    }
    if (why === "unread") {
      this.#context.limitedLog.log(
        "notice",
        "unread",
        `Varlink: ${this.who} does not read its replies; closed`,
      );
    }
    this.close();
  }
}
