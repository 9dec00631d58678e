/**
 * One connection to plymouthd's abstract socket. askpw opens one per request
 * (plymouthd may answer requests on one connection out of order).
 *
 * @module
 */
import { closeFd, readFd, writeAll } from "../ffi/file.ts";
import { PollEvents, waitForEvents } from "../ffi/poll.ts";
import { connectStream, peerCredentials } from "../ffi/socket.ts";
import { encodeRequest, parseReply, type PlymouthReply } from "./protocol.ts";

/** plymouthd's socket name (abstract, "trimmed": no trailing NULs). */
export const PLYMOUTH_SOCKET = "@/org/freedesktop/plymouthd";

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

/** A connection to plymouthd. */
export class PlymouthConnection implements Disposable {
  #fd: number;
  #buffer = new Uint8Array(0);

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /**
   * Connects to plymouthd.
   *
   * @example Usage
   * ```ts
   * import { PlymouthConnection } from "./connection.ts";
   * using connection = PlymouthConnection.open();
   * ```
   * @param socket The address (tests may pass another).
   * @returns The connection, or `undefined` when plymouthd does not listen.
   */
  static open(socket: string = PLYMOUTH_SOCKET): PlymouthConnection | undefined {
    try {
      return new PlymouthConnection(connectStream(socket));
    } catch {
      return undefined;
    }
  }

  /** PID of the plymouthd process at the other end. */
  get peerPid(): number {
    return peerCredentials(this.#fd).pid;
  }

  /**
   * Sends a request and waits for its reply.
   *
   * @param type A request type byte.
   * @param argument Its argument, if any.
   * @param signal Aborting it ends the wait with {@linkcode PlymouthGoneError}.
   * @param timeoutMs Longest wait (default: none).
   * @returns The reply.
   * @throws {PlymouthGoneError} When plymouthd closes the connection, or on abort/timeout.
   * @throws {PlymouthProtocolError} On a malformed reply.
   */
  async request(
    type: number,
    argument: string | undefined,
    signal: AbortSignal,
    timeoutMs = -1,
  ): Promise<PlymouthReply> {
    try {
      writeAll(this.#fd, encodeRequest(type, argument));
    } catch (error) {
      throw new PlymouthGoneError(`writing to plymouthd failed: ${(error as Error).message}`);
    }
    const deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
    const chunk = new Uint8Array(4096);
    try {
      for (;;) {
        const parsed = parseReply(this.#buffer);
        if (parsed) {
          this.#buffer.fill(0);
          this.#buffer = this.#buffer.slice(parsed.length);
          return parsed.reply;
        }
        const left = deadline - performance.now();
        if (left <= 0) throw new PlymouthGoneError("plymouthd did not answer in time");
        const [events] = await waitForEvents(
          [{ fd: this.#fd }],
          left === Infinity ? -1 : left,
          signal,
        );
        if (signal.aborted) throw new PlymouthGoneError("withdrawn");
        let count: number | null;
        try {
          count = readFd(this.#fd, chunk);
        } catch (error) {
          throw new PlymouthGoneError(`reading from plymouthd failed: ${(error as Error).message}`);
        }
        if (count === 0) throw new PlymouthGoneError("plymouthd closed the connection");
        if (count === null) {
          if ((events & (PollEvents.POLLHUP | PollEvents.POLLERR)) !== 0) {
            throw new PlymouthGoneError("plymouthd hung up");
          }
          continue;
        }
        const joined = new Uint8Array(this.#buffer.length + count);
        joined.set(this.#buffer);
        joined.set(chunk.subarray(0, count), this.#buffer.length);
        this.#buffer.fill(0);
        this.#buffer = joined;
      }
    } finally {
      chunk.fill(0);
    }
  }

  /** Closes the connection (plymouthd only marks it disconnected). */
  [Symbol.dispose](): void {
    this.#buffer.fill(0);
    closeFd(this.#fd);
    this.#fd = -1;
  }
}

/**
 * Whether plymouthd answers a ping right now.
 *
 * @example Usage
 * ```ts
 * import { plymouthIsRunning } from "./connection.ts";
 * await plymouthIsRunning(AbortSignal.timeout(1000));
 * ```
 * @param signal Ends the wait early.
 * @param socket The address.
 * @returns True on ACK.
 */
export async function plymouthIsRunning(
  signal: AbortSignal,
  socket: string = PLYMOUTH_SOCKET,
): Promise<boolean> {
  using connection = PlymouthConnection.open(socket);
  if (!connection) return false;
  try {
    const reply = await connection.request(0x50, undefined, signal, 1000);
    return reply.kind === "ack";
  } catch {
    return false;
  }
}
