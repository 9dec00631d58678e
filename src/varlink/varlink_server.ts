/**
 * `io.systemd.AskPassword` over Varlink, for systems whose systemd is older
 * than 258 (Debian 12's 252 has none). Every `Ask` becomes an ordinary ask
 * file (askpw's asker library, as `askpw ask`), so any agent answers it; a
 * caller that hangs up takes its question away at once.
 *
 * Callers are identified (SO_PEERCRED, and SO_PEERPIDFD where the kernel has
 * it); in the system instance only root may ask (the initrd has no polkit).
 * On a socket with SO_PASSPIDFD on (systemd 258's `PassPIDFD=yes`, or the
 * socket `askpw varlink` binds itself) every read brings a pidfd of the
 * bytes' sender, and each call is logged with the unit and pidfs ID of the
 * process that sent it (src/varlink/varlink_caller.ts); descriptors a caller
 * attaches (a kernel before 6.16 lets them through despite SO_PASSRIGHTS=0)
 * are closed unread and the message is handled as if they had not come.
 * Hostile callers are bounded: messages of at most 64 KiB, 16 queued calls
 * per connection, 5 s to finish a message that was begun, and replies that
 * are not read close the connection. Each peer uid (SO_PEERCRED at accept)
 * has its own budget of connections, queued calls and bytes, and all uids
 * but root and the served directory's owner share one more, so no local
 * user can refuse or delay root's calls (src/varlink/peer_limits.ts).
 *
 * @module
 */
import { askPassword, readCachedPasswords } from "../asker/ask_password.ts";
import { monotonicMicros } from "../ffi/clock.ts";
import { closeFd, readFd, writeSome } from "../ffi/file.ts";
import {
  acceptConnection,
  integerOption,
  type PeerCredentials,
  peerCredentials,
  peerPidfd,
  receiveFromStream,
  SocketConstants,
  type StreamChunk,
} from "../ffi/socket.ts";
import type { Logger } from "../log.ts";
import { LogRateLimit } from "../log_rate_limit.ts";
import { type AskerIdentity, identifyProcess } from "../protocol/asker_identity.ts";
import { type Reactor, Readiness, type Timer, type Watch } from "../reactor/reactor.ts";
import { SECRET_SLOT_SIZE, secretMemory } from "../secrets/secret_memory.ts";
import { VERSION } from "../version.ts";
import {
  ASK_PASSWORD_DESCRIPTION,
  ASK_PASSWORD_INTERFACE,
  checkParameterTypes,
  InvalidParameterError,
  NO_TIMEOUT,
  parseAskParameters,
  type VarlinkField,
} from "./ask_password_interface.ts";
import {
  encodeError,
  encodePasswordsReply,
  encodeReply,
  parseCall,
  type VarlinkCall,
  VarlinkProtocolError,
} from "./varlink_message.ts";
import { describeCaller, MessageSenders } from "./varlink_caller.ts";
import { type PeerLimitOptions, PeerLimits } from "./peer_limits.ts";
import { BufferPool } from "./buffer_pool.ts";

const SERVICE_INTERFACE = "org.varlink.service";
const SERVICE_DESCRIPTION = `# The Varlink service interface
interface org.varlink.service

method GetInfo() -> (
  vendor: string,
  product: string,
  version: string,
  url: string,
  interfaces: []string
)

method GetInterfaceDescription(interface: string) -> (description: string)

error InterfaceNotFound (interface: string)
error MethodNotFound (method: string)
error MethodNotImplemented (method: string)
error InvalidParameter (parameter: string)
error PermissionDenied ()
error ExpectedMore ()
`;
/** The interface of the `io.systemd.System` error askpw returns (systemd describes it too). */
const SYSTEMD_INTERFACE = "io.systemd";
const SYSTEMD_DESCRIPTION = `# Errors any io.systemd service may return
interface io.systemd

# The connection broke (a client makes this up itself; it is never sent)
error Disconnected ()

# A call took too long (a client makes this up itself; it is never sent)
error TimedOut ()

# The peer broke the protocol (a client makes this up itself; it is never sent)
error Protocol ()

# A Linux error: where it comes from ("linux"), its name (ENOENT…) and number
error System (origin: ?string, errnoName: ?string, errno: ?int)
`;
/** Every interface served, with its description; GetInfo lists them sorted, as systemd does. */
const DESCRIPTIONS: ReadonlyMap<string, string> = new Map([
  [SYSTEMD_INTERFACE, SYSTEMD_DESCRIPTION],
  [ASK_PASSWORD_INTERFACE, ASK_PASSWORD_DESCRIPTION],
  [SERVICE_INTERFACE, SERVICE_DESCRIPTION],
]);
const GET_INTERFACE_DESCRIPTION_FIELDS: readonly VarlinkField[] = [
  { name: "interface", type: "string", optional: false },
];
const ECANCELED = 125;
/** The inbox a connection starts with, and shrinks back to once a big message is done. */
const INBOX_BYTES = 4096;
/** Reads of one connection, and accepts, per wake-up: the loop serves everyone in turn. */
const READS_PER_WAKE = 16;
const ACCEPTS_PER_WAKE = 256;

/** Options for a {@linkcode VarlinkServer}. */
export interface VarlinkServerOptions {
  /** A listening AF_UNIX stream socket (non-blocking). */
  listenFd: number;
  /** The event loop. */
  reactor: Reactor;
  /** Where events go. */
  log: Logger;
  /** Where each call's ask file goes. */
  askDirectory: string;
  /** Who may call `Ask`: uid 0 in the system instance, else also the user's uid. */
  allowedUids: ReadonlySet<number>;
  /**
   * Connections at once of one privileged uid (the `allowedUids`: root, the
   * served directory's owner), which others never count against (default 64).
   */
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

/** Serves connections on a listening socket until disposed. */
export class VarlinkServer implements Disposable {
  #options: Required<VarlinkServerOptions>;
  #connections = new Set<Connection>();
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
   * import { VarlinkServer } from "./varlink_server.ts";
   * import { createLogger } from "../log.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * import { listenStream } from "../ffi/socket.ts";
   * await using reactor = new Reactor();
   * using server = new VarlinkServer({
   *   listenFd: listenStream(`@askpw-varlink-example-${Deno.pid}`),
   *   reactor,
   *   log: createLogger(),
   *   askDirectory: "/run/systemd/ask-password",
   *   allowedUids: new Set([0]),
   * });
   * ```
   * @param options See {@linkcode VarlinkServerOptions}.
   */
  constructor(options: VarlinkServerOptions) {
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
      privilegedUids: options.allowedUids,
      privilegedConnections: this.#options.maxConnections,
    });
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
      const connection = new Connection(
        fd,
        peer,
        this.#options,
        this.#limits,
        this.#pool,
        this.#limited,
        () => {
          this.#connections.delete(connection);
        },
        () => this.#armSweep(),
      );
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

class Connection {
  readonly fd: number;
  readonly peer: PeerCredentials | undefined;
  readonly uid: number;
  readonly identity: AskerIdentity | undefined;
  partialSince: number | undefined;
  #options: Required<VarlinkServerOptions>;
  #log: LogRateLimit;
  #watch: Watch;
  #drain: Watch | undefined;
  #inbox: Uint8Array<ArrayBuffer>;
  #limits: PeerLimits;
  #pool: BufferPool;
  /** What this connection holds of its uid's budgets (its connection, its inbox): given back at close. */
  #held = { connections: 1, calls: 0, bytes: INBOX_BYTES };
  #filled = 0;
  #outbox: Uint8Array[] = [];
  #queued = 0;
  #calls: { call: VarlinkCall; sender: AskerIdentity | undefined; bytes: number }[] = [];
  /** Set when the connection has SO_PASSPIDFD on: messages are read with their senders' pidfds. */
  #senders: MessageSenders | undefined;
  /** The sender of the bytes read last, by the pidfd that came with them. */
  #sender: AskerIdentity | undefined;
  #busy = false;
  #question: AbortController | undefined;
  #closed = false;
  #onClose: () => void;
  #onPartial: () => void;

  /** `peer` is read at accept, where its uid's connection and inbox were reserved. */
  constructor(
    fd: number,
    peer: PeerCredentials | undefined,
    options: Required<VarlinkServerOptions>,
    limits: PeerLimits,
    pool: BufferPool,
    log: LogRateLimit,
    onClose: () => void,
    onPartial: () => void,
  ) {
    this.fd = fd;
    this.peer = peer;
    this.uid = peer?.uid ?? -1;
    this.#options = options;
    this.#limits = limits;
    this.#pool = pool;
    this.#inbox = pool.take(INBOX_BYTES);
    this.#log = log;
    this.#onClose = onClose;
    this.#onPartial = onPartial;
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
    options.log.debug(
      `Varlink: connection from ${this.who}${
        this.identity
          ? ` (${this.identity.unit ?? "no unit"}, ${
            this.identity.exe ?? "executable unknown"
          }, pidfs ID ${this.identity.pidfdId ?? "none"})`
          : ""
      }${this.#senders ? "; its messages come with their senders' pidfds" : ""}`,
    );
    this.#watch = options.reactor.watch(fd, Readiness.IN, (events) => this.#readable(events));
  }

  /** The caller, by the pidfd of the bytes read last where one came, else by SO_PEERCRED. */
  get who(): string {
    return describeCaller(this.peer, this.#sender);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#question?.abort();
    this.#watch.close();
    this.#drain?.close();
    for (const bytes of this.#outbox) bytes.fill(0);
    this.#outbox = [];
    this.#calls = [];
    this.#pool.give(this.#inbox);
    this.#inbox = new Uint8Array(0);
    this.#filled = 0;
    closeFd(this.fd);
    for (const resource of ["connections", "calls", "bytes"] as const) {
      this.#free(resource, this.#held[resource]);
    }
    this.#onClose();
  }

  /** Takes from this uid's budget; false (nothing taken) when it or the shared one is spent. */
  #take(resource: "calls" | "bytes", amount: number): boolean {
    if (this.#limits.reserve(this.uid, resource, amount) !== undefined) return false;
    this.#held[resource] += amount;
    return true;
  }

  #free(resource: "connections" | "calls" | "bytes", amount: number): void {
    const given = Math.min(amount, this.#held[resource]);
    this.#held[resource] -= given;
    this.#limits.release(this.uid, resource, given);
  }

  /** Closes the connection when its uid (or all others together) may hold no more. */
  #overBudget(what: string): void {
    this.#log.log(
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
        if (this.#inbox.length > this.#options.maxMessageBytes) {
          this.#log.log(
            "notice",
            "oversized",
            `Varlink: ${this.who} sent a message over ${this.#options.maxMessageBytes} bytes; closed`,
          );
          this.close();
          return;
        }
        const size = Math.min(this.#inbox.length * 2, this.#options.maxMessageBytes + 1);
        if (!this.#take("bytes", size - this.#inbox.length)) {
          this.#overBudget("sent a long message");
          return;
        }
        const bigger = this.#pool.take(size);
        bigger.set(this.#inbox);
        this.#pool.give(this.#inbox);
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
      this.#log.log(
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
        this.#log.log("notice", "malformed", `Varlink: ${this.who}: ${reason}; closed`);
        this.close();
        return;
      }
      this.#inbox.copyWithin(0, end + 1, this.#filled);
      this.#inbox.fill(0, this.#filled - end - 1, this.#filled);
      this.#filled -= end + 1;
      if (this.#calls.length >= this.#options.maxQueuedCalls) {
        this.#log.log("notice", "flood", `Varlink: ${this.who} queued too many calls; closed`);
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
      const smaller = this.#pool.take(INBOX_BYTES);
      smaller.set(this.#inbox.subarray(0, this.#filled));
      this.#pool.give(this.#inbox);
      this.#free("bytes", this.#inbox.length - INBOX_BYTES);
      this.#inbox = smaller;
    }
    this.partialSince = this.#filled > 0 ? (this.partialSince ?? performance.now()) : undefined;
    if (this.partialSince !== undefined) this.#onPartial();
    this.#next();
  }

  /** Calls are answered in order, one at a time. */
  #next(): void {
    if (this.#busy || this.#closed) return;
    const next = this.#calls.shift();
    if (!next) return;
    const { call, sender, bytes } = next;
    this.#busy = true;
    this.#options.log.debug(`Varlink: ${call.method} from ${describeCaller(this.peer, sender)}`);
    this.#handle(call, sender).catch((error) => {
      this.#options.log.error(`Varlink: ${call.method} failed: ${(error as Error).message}`);
      this.#reply(
        call,
        encodeError("io.systemd.System", { origin: "linux", errno: 5, errnoName: "EIO" }),
      );
    }).finally(() => {
      this.#busy = false;
      if (this.#closed) return;
      this.#free("calls", 1);
      this.#free("bytes", bytes);
      this.#next();
    });
  }

  async #handle(call: VarlinkCall, sender: AskerIdentity | undefined): Promise<void> {
    try {
      switch (call.method) {
        case `${SERVICE_INTERFACE}.GetInfo`:
          checkParameterTypes(call.parameters, []);
          this.#reply(
            call,
            encodeReply({
              vendor: "askpw",
              product: "askpw",
              version: VERSION,
              url: "https://github.com/askpw/askpw",
              interfaces: [...DESCRIPTIONS.keys()].sort(),
            }),
          );
          return;
        case `${SERVICE_INTERFACE}.GetInterfaceDescription`: {
          checkParameterTypes(call.parameters, GET_INTERFACE_DESCRIPTION_FIELDS);
          const wanted = call.parameters.interface as string;
          const description = DESCRIPTIONS.get(wanted);
          this.#reply(
            call,
            description === undefined
              ? encodeError(`${SERVICE_INTERFACE}.InterfaceNotFound`, { interface: wanted })
              : encodeReply({ description }),
          );
          return;
        }
        case `${ASK_PASSWORD_INTERFACE}.Ask`:
          await this.#ask(call, sender);
          return;
        default:
          // Also for an interface not served: systemd says MethodNotFound there too.
          this.#reply(
            call,
            encodeError(`${SERVICE_INTERFACE}.MethodNotFound`, { method: call.method }),
          );
      }
    } catch (error) {
      if (!(error instanceof InvalidParameterError)) throw error;
      this.#reply(
        call,
        encodeError(`${SERVICE_INTERFACE}.InvalidParameter`, { parameter: error.parameter }),
      );
    }
  }

  /**
   * An Ask: the caller is named by `sender` (the pidfd that came with the
   * call) where there is one, else by the connection's SO_PEERCRED; who may
   * ask is always decided by the connection's uid, as systemd does.
   */
  async #ask(call: VarlinkCall, sender: AskerIdentity | undefined): Promise<void> {
    // The parameters first, as systemd checks them before it asks polkit.
    const parameters = parseAskParameters(call.parameters);
    const who = describeCaller(this.peer, sender);
    if (!this.peer || !this.#options.allowedUids.has(this.peer.uid)) {
      this.#log.log(
        "notice",
        "denied",
        `Varlink: Ask from ${who} refused: not allowed to ask`,
      );
      this.#reply(call, encodeError(`${SERVICE_INTERFACE}.PermissionDenied`));
      return;
    }
    // timeoutUSec is relative, untilUSec absolute: the earlier wins; 0 means cache only.
    const now = monotonicMicros();
    let until = NO_TIMEOUT;
    if (parameters.timeoutUSec !== NO_TIMEOUT) {
      until = parameters.timeoutUSec === 0n ? 0n : now + parameters.timeoutUSec;
    }
    if (parameters.untilUSec !== NO_TIMEOUT && parameters.untilUSec < until) {
      until = parameters.untilUSec;
    }
    const log = this.#options.log;
    log.info(
      sender
        ? `Varlink: Ask from ${who}: ${
          sender.exe ?? "executable unknown"
        }, known by the pidfd that came with the call`
        : `Varlink: Ask from ${who}${this.identity?.unit ? ` (${this.identity.unit})` : ""}`,
    );
    if (until === 0n) {
      const cached = parameters.keyname && parameters.acceptCached
        ? readCachedPasswords(parameters.keyname)
        : undefined;
      if (cached) this.#replyPasswords(call, cached);
      else this.#reply(call, encodeError(`${ASK_PASSWORD_INTERFACE}.NoPasswordAvailable`));
      return;
    }
    this.#question = new AbortController();
    const result = await askPassword({
      directory: this.#options.askDirectory,
      message: parameters.message,
      icon: parameters.icon,
      id: parameters.id,
      keyname: parameters.keyname,
      acceptCached: parameters.acceptCached,
      pushCache: parameters.pushCache,
      echo: parameters.echo === "on",
      silent: parameters.echo === "off",
      timeoutSeconds: 0,
      until: until === NO_TIMEOUT ? 0n : until,
      reactor: this.#options.reactor,
      log,
      signal: this.#question.signal,
    });
    this.#question = undefined;
    switch (result.kind) {
      case "answered":
        this.#replyPasswords(call, result.passwords);
        log.info(`Varlink: Ask from ${who} answered`);
        return;
      case "timeout":
        this.#reply(call, encodeError(`${ASK_PASSWORD_INTERFACE}.TimeoutReached`));
        return;
      case "cancelled":
        // A caller that hung up gets nothing; an agent's "-" is ECANCELED, as systemd says it.
        if (result.byAgent) {
          this.#reply(
            call,
            encodeError("io.systemd.System", {
              origin: "linux",
              errno: ECANCELED,
              errnoName: "ECANCELED",
            }),
          );
        }
        return;
    }
  }

  #replyPasswords(call: VarlinkCall, passwords: Uint8Array[]): void {
    const memory = secretMemory();
    const buffer = memory.allocate(SECRET_SLOT_SIZE);
    try {
      this.#reply(call, encodePasswordsReply(passwords, buffer));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.#reply(
        call,
        // What systemd answers when a password cannot go into JSON (invalid UTF-8).
        encodeError("io.systemd.System", { origin: "linux", errno: 117, errnoName: "EUCLEAN" }),
      );
    } finally {
      memory.release(buffer);
      for (const password of passwords) memory.release(password);
    }
  }

  /** Sends a reply (none to a oneway call); what does not go at once waits for room, within bounds. */
  #reply(call: VarlinkCall, bytes: Uint8Array): void {
    if (this.#closed || call.oneway) return;
    if (this.#outbox.length === 0) {
      let written: number | null;
      try {
        written = writeSome(this.fd, bytes as Uint8Array<ArrayBuffer>);
      } catch {
        this.close();
        return;
      }
      if (written === bytes.length) return;
      bytes = bytes.subarray(written ?? 0);
    }
    this.#queued += bytes.length;
    if (this.#queued > this.#options.maxMessageBytes) {
      this.#log.log("notice", "unread", `Varlink: ${this.who} does not read its replies; closed`);
      this.close();
      return;
    }
    if (!this.#take("bytes", bytes.length)) {
      this.#overBudget("left replies unread");
      return;
    }
    this.#outbox.push(bytes.slice());
    this.#drain ??= this.#options.reactor.watch(this.fd, Readiness.OUT, () => this.#flush());
  }

  #flush(): void {
    while (this.#outbox.length > 0) {
      const head = this.#outbox[0];
      let written: number | null;
      try {
        written = writeSome(this.fd, head as Uint8Array<ArrayBuffer>);
      } catch {
        this.close();
        return;
      }
      if (written === null) return;
      this.#queued -= written;
      this.#free("bytes", written);
      if (written < head.length) {
        this.#outbox[0] = head.slice(written);
        head.fill(0);
        return;
      }
      head.fill(0);
      this.#outbox.shift();
    }
    this.#drain?.close();
    this.#drain = undefined;
  }
}
