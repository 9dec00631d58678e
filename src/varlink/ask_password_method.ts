/**
 * `io.systemd.AskPassword.Ask`, as askpw serves it: every question becomes
 * an ordinary ask file (askpw's asker library, as `askpw ask`), so any agent
 * answers it; a caller that hangs up takes its question away at once. In
 * the system instance only root may ask (the initrd has no polkit).
 *
 * The method knows nothing of sockets: it gets the call's parameters, who
 * calls, and a way to answer (src/varlink/varlink_method.ts).
 *
 * @module
 */
import {
  askPassword,
  type AskPasswordOptions,
  type AskPasswordResult,
  readCachedPasswords,
} from "../asker/ask_password.ts";
import { monotonicMicros } from "../ffi/clock.ts";
import type { Logger } from "../log/log.ts";
import type { Reactor } from "../reactor/reactor.ts";
import { SECRET_SLOT_SIZE, secretMemory } from "../secrets/secret_memory.ts";
import {
  ASK_PASSWORD_DESCRIPTION,
  ASK_PASSWORD_INTERFACE,
  type AskParameters,
  NO_TIMEOUT,
  parseAskParameters,
} from "./ask_password_interface.ts";
import { linuxError, SYSTEM_ERROR } from "./systemd_interface.ts";
import { describeCaller } from "./varlink_caller.ts";
import { encodePasswordsReply } from "./varlink_message.ts";
import type { VarlinkInterface, VarlinkMethod, VarlinkMethodCall } from "./varlink_method.ts";
import { SERVICE_INTERFACE } from "./varlink_service_interface.ts";

const ECANCELED = 125;
/** What systemd answers when a password cannot go into JSON (invalid UTF-8). */
const EUCLEAN = 117;

/** Options for {@linkcode createAskMethod}. */
export interface AskMethodOptions {
  /** Where each call's ask file goes. */
  askDirectory: string;
  /** Who may call `Ask`, by the connection's uid: 0 in the system instance, else also the user's. */
  allowedUids: ReadonlySet<number>;
  /** The event loop the asker waits on. */
  reactor: Reactor;
  /** Where events go. */
  log: Logger;
  /** Asks by an ask file and waits (default askPassword; tests pass a fake). */
  askPassword?: (options: AskPasswordOptions) => Promise<AskPasswordResult>;
  /** Reads the kernel keyring's cache (default readCachedPasswords; tests pass a fake). */
  readCachedPasswords?: (keyname: string) => Uint8Array[] | undefined;
  /** CLOCK_MONOTONIC in µs (default monotonicMicros; tests pass a fake). */
  now?: () => bigint;
}

/**
 * The deadline of an `Ask`, in CLOCK_MONOTONIC µs: `timeoutUSec` is relative,
 * `untilUSec` absolute, and the earlier wins; 0 means "the cache only", and
 * {@linkcode NO_TIMEOUT} "never".
 *
 * @example Usage
 * ```ts
 * import { askDeadline } from "./ask_password_method.ts";
 * import { NO_TIMEOUT } from "./ask_password_interface.ts";
 * askDeadline({ timeoutUSec: 30n, untilUSec: NO_TIMEOUT }, 1_000n); // 1030n
 * askDeadline({ timeoutUSec: 30n, untilUSec: 1_010n }, 1_000n); // 1010n
 * ```
 * @param parameters The call's two times.
 * @param now CLOCK_MONOTONIC now, in µs.
 * @returns The deadline: 0 for the cache only, NO_TIMEOUT for none.
 */
export function askDeadline(
  parameters: Pick<AskParameters, "timeoutUSec" | "untilUSec">,
  now: bigint,
): bigint {
  let until = NO_TIMEOUT;
  if (parameters.timeoutUSec !== NO_TIMEOUT) {
    until = parameters.timeoutUSec === 0n ? 0n : now + parameters.timeoutUSec;
  }
  if (parameters.untilUSec !== NO_TIMEOUT && parameters.untilUSec < until) {
    until = parameters.untilUSec;
  }
  return until;
}

/**
 * The handler of `io.systemd.AskPassword.Ask`. The parameters are checked
 * first (as systemd checks them before it asks polkit), then the caller:
 * who may ask is decided by the connection's uid, as systemd does; the
 * caller is named in the log by the pidfd that came with the call where
 * there is one, else by the connection's SO_PEERCRED. Replies: the
 * passwords; `NoPasswordAvailable` (a deadline of 0 and nothing cached);
 * `TimeoutReached`; `io.systemd.System` ECANCELED when an agent cancels;
 * nothing when the caller hung up. A `more` call gets the same one reply.
 *
 * @example Usage
 * ```ts
 * import { createAskMethod } from "./ask_password_method.ts";
 * import { createLogger } from "../log/log.ts";
 * import { Reactor } from "../reactor/reactor.ts";
 * await using reactor = new Reactor();
 * const ask = createAskMethod({
 *   askDirectory: "/run/systemd/ask-password",
 *   allowedUids: new Set([0]),
 *   reactor,
 *   log: createLogger(),
 * });
 * ```
 * @param options See {@linkcode AskMethodOptions}.
 * @returns The handler.
 */
export function createAskMethod(options: AskMethodOptions): VarlinkMethod {
  const ask = options.askPassword ?? askPassword;
  const readCached = options.readCachedPasswords ?? readCachedPasswords;
  const now = options.now ?? monotonicMicros;
  const log = options.log;
  return async (call: VarlinkMethodCall): Promise<void> => {
    const parameters = parseAskParameters(call.parameters);
    const { peer, sender, identity } = call.caller;
    const who = describeCaller(peer, sender);
    if (!peer || !options.allowedUids.has(peer.uid)) {
      call.limitedLog.log(
        "notice",
        "denied",
        `Varlink: Ask from ${who} refused: not allowed to ask`,
      );
      call.error(`${SERVICE_INTERFACE}.PermissionDenied`);
      return;
    }
    const until = askDeadline(parameters, now());
    log.info(
      sender
        ? `Varlink: Ask from ${who}: ${
          sender.exe ?? "executable unknown"
        }, known by the pidfd that came with the call`
        : `Varlink: Ask from ${who}${identity?.unit ? ` (${identity.unit})` : ""}`,
    );
    if (until === 0n) {
      const cached = parameters.keyname && parameters.acceptCached
        ? readCached(parameters.keyname)
        : undefined;
      if (cached) replyPasswords(call, cached);
      else call.error(`${ASK_PASSWORD_INTERFACE}.NoPasswordAvailable`);
      return;
    }
    const result = await ask({
      directory: options.askDirectory,
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
      reactor: options.reactor,
      log,
      signal: call.signal,
    });
    switch (result.kind) {
      case "answered":
        replyPasswords(call, result.passwords);
        log.info(`Varlink: Ask from ${who} answered`);
        return;
      case "timeout":
        call.error(`${ASK_PASSWORD_INTERFACE}.TimeoutReached`);
        return;
      case "cancelled":
        // A caller that hung up gets nothing; an agent's "-" is ECANCELED, as systemd says it.
        if (result.byAgent) call.error(SYSTEM_ERROR, linuxError(ECANCELED, "ECANCELED"));
        return;
    }
  };
}

/** The passwords, framed in secret memory; all of it wiped once sent (or queued, copied). */
function replyPasswords(call: VarlinkMethodCall, passwords: Uint8Array[]): void {
  const memory = secretMemory();
  const buffer = memory.allocate(SECRET_SLOT_SIZE);
  try {
    call.send(encodePasswordsReply(passwords, buffer));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    call.error(SYSTEM_ERROR, linuxError(EUCLEAN, "EUCLEAN"));
  } finally {
    memory.release(buffer);
    for (const password of passwords) memory.release(password);
  }
}

/**
 * `io.systemd.AskPassword` with its one method, `Ask`, ready to be served.
 *
 * @example Usage
 * ```ts
 * import { askPasswordInterface } from "./ask_password_method.ts";
 * import { createLogger } from "../log/log.ts";
 * import { Reactor } from "../reactor/reactor.ts";
 * await using reactor = new Reactor();
 * const served = askPasswordInterface({
 *   askDirectory: "/run/systemd/ask-password",
 *   allowedUids: new Set([0]),
 *   reactor,
 *   log: createLogger(),
 * });
 * served.methods.has("Ask"); // true
 * ```
 * @param options See {@linkcode AskMethodOptions}.
 * @returns The interface.
 */
export function askPasswordInterface(options: AskMethodOptions): VarlinkInterface {
  return {
    name: ASK_PASSWORD_INTERFACE,
    description: ASK_PASSWORD_DESCRIPTION,
    methods: new Map([["Ask", createAskMethod(options)]]),
  };
}
