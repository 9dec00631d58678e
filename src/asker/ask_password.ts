/**
 * Asking for a password the way systemd-ask-password does, so that any
 * agent answers (askpw's, systemd's, Plymouth's): a hardened reply socket,
 * an ask file published atomically, a wait for the answer, the deadline or a
 * cancel, and both files removed on every way out. With a key name, the
 * kernel keyring is looked at first (`acceptCached`) and given the answer
 * afterwards, as systemd's askers share passwords between each other.
 *
 * @module
 */
import { monotonicMicros } from "../ffi/clock.ts";
import { Inotify, InotifyMask } from "../ffi/inotify.ts";
import { removeFile, touch } from "../ffi/file_path.ts";
import { addUserKey, readUserKey } from "../ffi/keyring.ts";
import type { Logger } from "../log/log.ts";
import { LogRateLimit } from "../log/log_rate_limit.ts";
import { type Reactor, Readiness } from "../reactor/reactor.ts";
import { SECRET_SLOT_SIZE, secretMemory } from "../secrets/secret_memory.ts";
import { formatAskFile, publishAskFile } from "./ask_file_writer.ts";
import { type ReplySender, ReplySocket } from "./reply_socket.ts";

/** What to ask. */
export interface AskPasswordOptions {
  /** The ask directory (system or per-user). */
  directory: string;
  /** The prompt. */
  message?: string;
  /** Seconds until nobody should answer any more; 0 waits without limit. */
  timeoutSeconds: number;
  /** An absolute deadline (CLOCK_MONOTONIC µs) instead of `timeoutSeconds`. */
  until?: bigint;
  /** Show what is typed (Echo=1). */
  echo?: boolean;
  /** Show nothing while typing (Silent=1). */
  silent?: boolean;
  /** `Id=`. */
  id?: string;
  /** `Icon=`. */
  icon?: string;
  /** Kernel keyring key to read first (with `acceptCached`) and to add the answer to. */
  keyname?: string;
  /** A cached answer is acceptable: the keyring first, and `AcceptCached=1`. */
  acceptCached?: boolean;
  /** Add the answer to the keyring (`keyname`); default true. */
  pushCache?: boolean;
  /** How long a password pushed to the keyring lives (default 150 s, as systemd's). */
  keyringTimeoutSeconds?: number;
  /** Waits. */
  reactor: Reactor;
  /** Where events go (refused replies; the sender's identity at debug level). */
  log: Logger;
  /** Aborting it cancels the question (SIGINT, SIGTERM). */
  signal: AbortSignal;
}

/** How asking ended. */
export type AskPasswordResult =
  /** Answered: the passwords in secret memory (release them); where they came from. */
  | { kind: "answered"; passwords: Uint8Array[]; source: "agent" | "keyring" }
  /** NotAfter passed. */
  | { kind: "timeout" }
  /** The agent sent `-`, or `signal` aborted. */
  | { kind: "cancelled"; byAgent: boolean };

/**
 * Asks, and waits for the outcome.
 *
 * @example Usage
 * ```ts
 * import { askPassword } from "./ask_password.ts";
 * import { createLogger } from "../log/log.ts";
 * import { Reactor } from "../reactor/reactor.ts";
 * await using reactor = new Reactor();
 * const result = await askPassword({
 *   directory: "/run/systemd/ask-password",
 *   message: "Passphrase:",
 *   timeoutSeconds: 90,
 *   reactor,
 *   log: createLogger(),
 *   signal: new AbortController().signal,
 * });
 * ```
 * @param options See {@linkcode AskPasswordOptions}.
 * @returns The outcome.
 * @throws {SystemCallError} When the socket or the ask file cannot be created.
 */
export async function askPassword(options: AskPasswordOptions): Promise<AskPasswordResult> {
  const { directory, reactor, log, signal, keyname } = options;
  const fromKeyring = () =>
    keyname && options.acceptCached ? readCachedPasswords(keyname) : undefined;
  const cached = fromKeyring();
  if (cached) return { kind: "answered", passwords: cached, source: "keyring" };

  using socket = ReplySocket.open(directory);
  // A flood of datagrams to the socket logs 10 lines per 10 s, then a count.
  using ignoredLog = new LogRateLimit(log, { timers: reactor });
  const memory = secretMemory();
  log.debug(
    `Reply socket ${socket.path}: SO_PASSCRED on; SO_PASSRIGHTS=0 ${
      socket.features.refusesDescriptors ? "on" : "not supported by this kernel"
    }; SO_PASSPIDFD ${socket.features.receivesPidfds ? "on" : "not supported by this kernel"}`,
  );
  const notAfter = options.until ??
    (options.timeoutSeconds > 0
      ? monotonicMicros() + BigInt(Math.round(options.timeoutSeconds * 1e6))
      : 0n);
  // Keyring changes are announced by touching the directory: look again then.
  using inotify = keyname && options.acceptCached ? new Inotify() : undefined;
  inotify?.add(directory, InotifyMask.IN_ATTRIB | InotifyMask.IN_ONLYDIR);
  const askPath = publishAskFile(
    directory,
    formatAskFile({
      pid: Deno.pid,
      socket: socket.path,
      acceptCached: options.acceptCached ?? false,
      echo: options.echo ?? false,
      silent: options.silent ?? false,
      notAfter,
      message: options.message,
      icon: options.icon,
      id: options.id,
    }),
  );
  try {
    const result = await new Promise<AskPasswordResult>((resolve) => {
      const finish = (result: AskPasswordResult) => {
        watch.close();
        keyringWatch?.close();
        deadline?.cancel();
        signal.removeEventListener("abort", onAbort);
        resolve(result);
      };
      const onAbort = () => finish({ kind: "cancelled", byAgent: false });
      const watch = reactor.watch(socket.fd, Readiness.IN, () => {
        const datagrams = socket.receive();
        for (const [index, datagram] of datagrams.entries()) {
          logSender(log, datagram.sender);
          if (datagram.kind === "ignored") {
            ignoredLog.log("warning", "ignored reply", `Ignored a reply: ${datagram.reason}`);
            continue;
          }
          // Answers queued behind the one taken are wiped, never used.
          for (const rest of datagrams.slice(index + 1)) {
            if (rest.kind === "passwords") { for (const p of rest.passwords) memory.release(p); }
          }
          if (datagram.kind === "cancel") finish({ kind: "cancelled", byAgent: true });
          else finish({ kind: "answered", passwords: datagram.passwords, source: "agent" });
          return;
        }
      });
      const keyringWatch = inotify &&
        reactor.watch(inotify.fd, Readiness.IN, () => {
          inotify.drain();
          const found = fromKeyring();
          if (found) finish({ kind: "answered", passwords: found, source: "keyring" });
        });
      const deadline = notAfter > 0n
        ? reactor.at(notAfter, () => finish({ kind: "timeout" }))
        : undefined;
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    if (
      result.kind === "answered" && result.source === "agent" && keyname &&
      options.pushCache !== false
    ) {
      pushToKeyring(keyname, result.passwords, options.keyringTimeoutSeconds ?? 150, log);
      // Other askers waiting for the same key look at the keyring again.
      touch(directory);
    }
    return result;
  } finally {
    removeFile(askPath);
  }
}

function logSender(log: Logger, sender: ReplySender): void {
  const credentials = sender.credentials;
  const identity = sender.identity;
  log.debug(
    `Reply from ${
      credentials ? `PID ${credentials.pid}, uid ${credentials.uid}` : "no credentials"
    }${
      identity
        ? ` (${identity.unit ?? "no unit"}, ${identity.exe ?? "executable unknown"}, pidfs ID ${
          identity.pidfdId ?? "none"
        })`
        : ""
    }`,
  );
}

/**
 * The passwords cached in the kernel keyring under `keyname` (NUL-separated,
 * as systemd's askers store them), copied into secret memory.
 *
 * @example Usage
 * ```ts
 * import { readCachedPasswords } from "./ask_password.ts";
 * readCachedPasswords("cryptsetup"); // undefined when there is no such key
 * ```
 * @param keyname The key's name.
 * @returns The passwords (release them), or `undefined`.
 */
export function readCachedPasswords(keyname: string): Uint8Array[] | undefined {
  const memory = secretMemory();
  const buffer = memory.allocate(SECRET_SLOT_SIZE);
  try {
    const payload = readUserKey(keyname, buffer);
    if (!payload) return undefined;
    const passwords: Uint8Array[] = [];
    let start = 0;
    for (let index = 0; index <= payload.length; index++) {
      if (index < payload.length && payload[index] !== 0) continue;
      passwords.push(memory.copy(payload.subarray(start, index)));
      start = index + 1;
    }
    return passwords;
  } catch {
    return undefined;
  } finally {
    memory.release(buffer);
  }
}

/** Adds the passwords to the key (after those already there, without duplicates). */
function pushToKeyring(
  keyname: string,
  passwords: Uint8Array[],
  timeoutSeconds: number,
  log: Logger,
): void {
  const memory = secretMemory();
  const all = [...(readCachedPasswords(keyname) ?? [])];
  for (const password of passwords) {
    if (!all.some((kept) => sameBytes(kept, password))) all.push(memory.copy(password));
  }
  const size = all.reduce((sum, password) => sum + password.length, 0) + all.length - 1;
  if (size > SECRET_SLOT_SIZE) {
    log.warning(`Not adding to key ${keyname}: ${size} bytes is more than ${SECRET_SLOT_SIZE}`);
    for (const password of all) memory.release(password);
    return;
  }
  const payload = memory.allocate(Math.max(size, 0));
  let offset = 0;
  for (const password of all) {
    payload.set(password, offset);
    offset += password.length + 1; // the NUL separator is already there
  }
  try {
    addUserKey(keyname, payload, timeoutSeconds);
  } catch (error) {
    log.warning(`Cannot add to key ${keyname}: ${(error as Error).message}`);
  } finally {
    memory.release(payload);
    for (const password of all) memory.release(password);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
