/**
 * askpw: a password agent for systemd's ask-password protocol, built for the
 * initrd. It watches /run/systemd/ask-password, asks the person on every
 * console, and sends the answer back on the asker's socket.
 *
 * This is askpw's public API, kept small on purpose; the `askpw` command
 * itself starts from `src/cli/program.ts`:
 *
 * ```sh
 * deno run --allow-ffi --allow-read --allow-write --allow-env src/cli/program.ts watch --console
 * ```
 *
 * The data path, in the order a request travels: {@linkcode readAskRequest}
 * (ask file → {@linkcode AskRequest}), {@linkcode runAgent} (requests →
 * frontends such as {@linkcode ConsoleFrontend}), {@linkcode encodePasswordReply}
 * and {@linkcode deliverReply} (answer → asker). Everything waits in one
 * {@linkcode Reactor}.
 *
 * @example Parse an ask file
 * ```ts
 * import { parseAskFile } from "./mod.ts";
 * const fields = parseAskFile(new TextEncoder().encode("[Ask]\nSocket=/run/x\nEcho=yes\n"));
 * console.log(fields.echo); // true
 * ```
 *
 * @module
 */
// Ask files: parse and read them.
export {
  type AskFileFields,
  AskFileSyntaxError,
  parseAskFile,
} from "./src/protocol/parse_ask_file.ts";
export { type AskRequest, readAskRequest, type ReadAskResult } from "./src/protocol/ask_request.ts";
export {
  askDirectories,
  type AskDirectory,
  SYSTEM_ASK_DIRECTORY,
} from "./src/protocol/ask_directory.ts";

// The agent with its frontends.
export { type AgentOptions, type AgentResult, runAgent } from "./src/agent/agent.ts";
export type { AskContext, AskOutcome, Frontend } from "./src/agent/frontend.ts";
export type { AnswerFamily, DiskIdentity, RequestKind } from "./src/request/request_kind.ts";
export type { AskerIdentity } from "./src/request/asker_identity.ts";
export {
  type CacheTimers,
  PasswordCache,
  type PasswordCacheOptions,
} from "./src/secrets/password_cache.ts";
export { ChangeSignal } from "./src/agent/change_signal.ts";
export type { OtherAgentHold } from "./src/agent/other_agent_hold.ts";
export type { OtherAgentSources } from "./src/request/other_agents.ts";
export {
  ConsoleFrontend,
  type ConsoleFrontendOptions,
  type ConsoleOwner,
} from "./src/console/console_frontend.ts";

// What a console prompt adds: the person's language, Caps Lock.
export { Translator } from "./src/i18n/translator.ts";
export { type CapsLockSubscription, CapsLockWatcher } from "./src/prompt/caps_lock_watcher.ts";

// Asking for a password, as systemd-ask-password does.
export {
  askPassword,
  type AskPasswordOptions,
  type AskPasswordResult,
} from "./src/asker/ask_password.ts";

// Replies.
export {
  encodeCancelReply,
  encodePasswordReply,
  MAX_PASSWORD_SIZE,
  MAX_REPLY_SIZE,
} from "./src/protocol/reply.ts";

// The one event loop.
export {
  Reactor,
  type ReactorOptions,
  Readiness,
  type Timer,
  type Watch,
} from "./src/reactor/reactor.ts";

// Logging, one line per event.
export { createLogger, type Logger, type LoggerOptions } from "./src/log/log.ts";

export { VERSION } from "./src/version.ts";
