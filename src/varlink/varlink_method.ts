/**
 * What a Varlink method is to the server that serves it: a handler the
 * server calls with the call's parameters, who is calling, a way to answer
 * and a signal that fires when the caller hangs up. The server knows nothing
 * of what a method does (as sd-varlink keeps the server apart from the
 * interfaces it serves); a method knows nothing of sockets.
 *
 * @module
 */
import type { PeerCredentials } from "../ffi/peer_credentials.ts";
import type { LogRateLimit } from "../log/log_rate_limit.ts";
import type { AskerIdentity } from "../request/asker_identity.ts";

/** Who is calling, as the connection and the message say it. */
export interface VarlinkCaller {
  /** The connection's SO_PEERCRED, read at accept (it decides who may call). */
  peer: PeerCredentials | undefined;
  /** The message's sender, by the pidfd that came with it (SO_PASSPIDFD). */
  sender: AskerIdentity | undefined;
  /** The process that opened the connection, by its SO_PEERPIDFD. */
  identity: AskerIdentity | undefined;
}

/** One call, as a method handler sees it. */
export interface VarlinkMethodCall {
  /** The fully qualified method, e.g. `io.systemd.AskPassword.Ask`. */
  method: string;
  /** Its parameters, unchecked (integers beyond 2^53 as bigint, see parseCall). */
  parameters: Record<string, unknown>;
  /** The caller wants no reply (replies are dropped). */
  oneway: boolean;
  /** The caller accepts several replies (`reply(…, { continues: true })`). */
  more: boolean;
  /** Who is calling. */
  caller: VarlinkCaller;
  /** Lines about this call that a hostile caller could repeat without end. */
  limitedLog: LogRateLimit;
  /** Aborted when the connection closes (the caller hung up, or was closed). */
  signal: AbortSignal;
  /**
   * Replies; with `continues` more replies follow (only to a `more` call).
   *
   * @throws {TypeError} When `continues` is asked of a call without `more`.
   */
  reply(parameters: Record<string, unknown>, options?: { continues?: boolean }): void;
  /** Replies with an error, e.g. `io.systemd.AskPassword.TimeoutReached`. */
  error(name: string, parameters?: Record<string, unknown>): void;
  /** Sends a reply framed already (NUL included), e.g. passwords in secret memory. */
  send(bytes: Uint8Array): void;
}

/**
 * Handles one call: it answers through `call`, and the next call on the same
 * connection waits until the returned promise settles. An
 * InvalidParameterError it throws becomes `org.varlink.service.InvalidParameter`;
 * any other error is logged and answered `io.systemd.System` (EIO).
 *
 * @example Usage
 * ```ts
 * import type { VarlinkMethod } from "./varlink_method.ts";
 * const ping: VarlinkMethod = (call) => {
 *   call.reply({ pong: call.parameters.ping ?? null });
 * };
 * ```
 */
export type VarlinkMethod = (call: VarlinkMethodCall) => void | Promise<void>;

/**
 * An interface a server serves: its name, its description (what
 * `GetInterfaceDescription` returns) and its methods by short name.
 *
 * @example Usage
 * ```ts
 * import type { VarlinkInterface } from "./varlink_method.ts";
 * const example: VarlinkInterface = {
 *   name: "org.example.Ping",
 *   description: "interface org.example.Ping\n\nmethod Ping(ping: ?string) -> (pong: ?string)\n",
 *   methods: new Map([["Ping", (call) => call.reply({ pong: call.parameters.ping ?? null })]]),
 * };
 * ```
 */
export interface VarlinkInterface {
  /** The interface's name, e.g. `io.systemd.AskPassword`. */
  name: string;
  /** Its description in the Varlink interface definition language. */
  description: string;
  /** Its methods, by short name (`Ask`); an interface of errors only has none. */
  methods: ReadonlyMap<string, VarlinkMethod>;
}
