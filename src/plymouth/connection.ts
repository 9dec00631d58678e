/**
 * One connection to plymouthd's abstract socket. askpw opens one per request
 * (plymouthd may answer requests on one connection out of order).
 *
 * The abstract socket is a name any local process can bind first, so the
 * peer is checked before anything is sent: only a root process may be
 * plymouthd (SO_PEERCRED). What plymouthd sends back can be a password: it is
 * received straight into one fixed slot of secret memory, wiped on dispose.
 *
 * @module
 */
import { closeFd, readFd, writeSome } from "../ffi/file_descriptor.ts";
import { connectStream } from "../ffi/stream_socket.ts";
import { type PeerCredentials, peerCredentials, peerPidfd } from "../ffi/peer_credentials.ts";
import { type Reactor, Readiness } from "../reactor/reactor.ts";
import { SECRET_SLOT_SIZE, secretMemory } from "../secrets/secret_memory.ts";
import {
  encodeRequest,
  parseReply,
  PlymouthProtocolError,
  type PlymouthReply,
  PlymouthRequest,
} from "./protocol.ts";

/** plymouthd's socket name (abstract, "trimmed": no trailing NULs). */
export const PLYMOUTH_SOCKET = "@/org/freedesktop/plymouthd";

/** Requests plymouthd answers (or says it cannot): never with a bare ACK. */
const MUST_ANSWER: ReadonlySet<number> = new Set([
  PlymouthRequest.PASSWORD,
  PlymouthRequest.QUESTION,
  PlymouthRequest.CACHED_PASSWORDS,
]);

/** plymouthd went away (EOF, hang-up) or the request was withdrawn. */
export class PlymouthGoneError extends Error {
  /**
   * Creates the error.
   *
   * @param message What happened.
   */
  constructor(message: string) {
    super(message);
    this.name = "PlymouthGoneError";
  }
}

/** What dialling plymouthd's socket found. */
export type PlymouthDial =
  /** A root process listens: the connection is usable. */
  | { kind: "connected"; connection: PlymouthConnection }
  /** Nobody listens (or accepts). */
  | { kind: "absent" }
  /** A process that is not root listens on plymouthd's name: never talked to. */
  | { kind: "impostor"; peer: PeerCredentials };

/** A connection to plymouthd. */
export class PlymouthConnection implements Disposable {
  #fd: number;
  #reactor: Reactor;
  #peer: PeerCredentials;
  #received: Uint8Array<ArrayBuffer> | undefined;
  #filled = 0;
  /** Bytes of the last reply, dropped (and wiped) when the next request starts. */
  #lastReplyLength = 0;

  private constructor(fd: number, reactor: Reactor, peer: PeerCredentials) {
    this.#fd = fd;
    this.#reactor = reactor;
    this.#peer = peer;
  }

  /**
   * Connects to plymouthd and checks that it runs as root.
   *
   * @example Usage
   * ```ts
   * import { PlymouthConnection } from "./connection.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * await using reactor = new Reactor();
   * const dial = PlymouthConnection.open(reactor);
   * if (dial.kind === "connected") dial.connection[Symbol.dispose]();
   * ```
   * @param reactor Waits for replies.
   * @param socket The address (tests may pass another).
   * @returns The connection, or why there is none.
   */
  static open(reactor: Reactor, socket: string = PLYMOUTH_SOCKET): PlymouthDial {
    let fd: number;
    try {
      fd = connectStream(socket);
    } catch {
      return { kind: "absent" };
    }
    let peer: PeerCredentials;
    try {
      peer = peerCredentials(fd);
    } catch {
      closeFd(fd);
      return { kind: "absent" };
    }
    if (peer.uid !== 0) {
      closeFd(fd);
      return { kind: "impostor", peer };
    }
    return { kind: "connected", connection: new PlymouthConnection(fd, reactor, peer) };
  }

  /** The peer's credentials (SO_PEERCRED at connect time): uid 0, its PID. */
  get peer(): PeerCredentials {
    return this.#peer;
  }

  /**
   * plymouthd as a pidfd (SO_PEERPIDFD, Linux 6.5+): its identity can be
   * read without trusting its PID, and it polls readable when plymouthd exits.
   *
   * @returns A new pidfd the caller closes, or `undefined` on older kernels.
   */
  peerPidfd(): number | undefined {
    return peerPidfd(this.#fd);
  }

  /**
   * Sends a request and waits for its reply. An answer's buffers are views
   * into this connection's secret buffer: valid until the next request or
   * dispose, which wipe them.
   *
   * @param type A request type byte.
   * @param argument Its argument, if any.
   * @param signal Aborting it ends the wait with {@linkcode PlymouthGoneError}.
   * @param timeoutMs Longest wait (default: none).
   * @returns The reply.
   * @throws {PlymouthGoneError} When plymouthd closes the connection, or on abort/timeout.
   * @throws {PlymouthProtocolError} On a malformed reply, or bytes sent before it was asked.
   */
  async request(
    type: number,
    argument: string | undefined,
    signal: AbortSignal,
    timeoutMs = -1,
  ): Promise<PlymouthReply> {
    this.#dropLastReply();
    const frame = encodeRequest(type, argument);
    const received = this.#received ??= secretMemory().allocate(SECRET_SLOT_SIZE);
    // plymouthd only ever answers: a byte waiting before the request (or left
    // after the last reply) was sent unasked, as a flooding daemon's are.
    if (this.#filled === 0) {
      try {
        this.#filled = readFd(this.#fd, received.subarray(0, 1)) ?? 0;
      } catch (error) {
        throw new PlymouthGoneError(`reading from plymouthd failed: ${(error as Error).message}`);
      }
    }
    if (this.#filled > 0) {
      throw new PlymouthProtocolError("plymouthd sent bytes it was not asked for");
    }
    try {
      // A request is at most 258 bytes on a fresh socket: it goes in whole or not at all.
      if (writeSome(this.#fd, frame) !== frame.length) {
        throw new PlymouthGoneError("plymouthd does not read its socket");
      }
    } catch (error) {
      if (error instanceof PlymouthGoneError) throw error;
      throw new PlymouthGoneError(`writing to plymouthd failed: ${(error as Error).message}`);
    }
    const deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
    for (;;) {
      const parsed = parseReply(received.subarray(0, this.#filled));
      if (parsed) {
        this.#lastReplyLength = parsed.length;
        // A bare ACK never answers a question (systemd takes it as EIO): a
        // daemon that sends one would be asked again and again, in a loop.
        if (parsed.reply.kind === "ack" && MUST_ANSWER.has(type)) {
          throw new PlymouthProtocolError("plymouthd acknowledged a request it must answer");
        }
        return parsed.reply;
      }
      if (this.#filled === received.length) {
        throw new PlymouthProtocolError("plymouthd sent more than a reply can hold");
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new PlymouthGoneError("plymouthd did not answer in time");
      const events = await this.#reactor.ready(
        this.#fd,
        Readiness.IN,
        signal,
        left === Infinity ? -1 : left,
      );
      if (signal.aborted) throw new PlymouthGoneError("withdrawn");
      let count: number | null;
      try {
        count = readFd(this.#fd, received.subarray(this.#filled));
      } catch (error) {
        throw new PlymouthGoneError(`reading from plymouthd failed: ${(error as Error).message}`);
      }
      if (count === 0) throw new PlymouthGoneError("plymouthd closed the connection");
      if (count === null) {
        if ((events & (Readiness.HUP | Readiness.ERR)) !== 0) {
          throw new PlymouthGoneError("plymouthd hung up");
        }
        continue;
      }
      this.#filled += count;
    }
  }

  /** Closes the connection (plymouthd only marks it disconnected) and wipes what it received. */
  [Symbol.dispose](): void {
    if (this.#received) secretMemory().release(this.#received);
    this.#received = undefined;
    this.#filled = 0;
    closeFd(this.#fd);
    this.#fd = -1;
  }

  #dropLastReply(): void {
    const used = this.#lastReplyLength;
    this.#lastReplyLength = 0;
    if (!this.#received || used === 0) return;
    this.#received.copyWithin(0, used, this.#filled);
    this.#received.fill(0, this.#filled - used, this.#filled);
    this.#filled -= used;
  }
}
