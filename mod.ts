/**
 * askpw: a password agent for systemd's ask-password protocol, built for the
 * initrd. It watches /run/systemd/ask-password, asks the person on every
 * console, and sends the answer back on the asker's socket.
 *
 * Run as the main module, this file is the `askpw` command:
 *
 * ```sh
 * deno run --allow-ffi --allow-read --allow-write --allow-env mod.ts watch --console
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
export {
  type AskFileFields,
  AskFileSyntaxError,
  parseAskFile,
} from "./src/protocol/parse_ask_file.ts";
export { type AskRequest, readAskRequest, type ReadAskResult } from "./src/protocol/ask_request.ts";
export {
  askDirectories,
  type AskDirectory,
  listAskFileNames,
  SYSTEM_ASK_DIRECTORY,
} from "./src/protocol/ask_directory.ts";
export { replySocketProblem } from "./src/request/reply_socket_policy.ts";
export { requestStaleness } from "./src/request/request_liveness.ts";
export {
  deliverReply,
  type DeliveryOptions,
  type DeliveryOutcome,
  encodeCancelReply,
  encodePasswordReply,
  MAX_PASSWORD_SIZE,
  MAX_REPLY_SIZE,
} from "./src/protocol/reply.ts";
export { type AgentOptions, type AgentResult, runAgent } from "./src/agent/agent.ts";
export type { AskContext, AskOutcome, Frontend } from "./src/agent/frontend.ts";
export {
  initrdKernelOptions,
  type KernelOptions,
  parseKernelOptions,
  splitKernelCommandLine,
} from "./src/initrd/kernel_command_line.ts";
export { muteKernelMessages } from "./src/initrd/kernel_messages.ts";
export { PasswordCache } from "./src/secrets/password_cache.ts";
export {
  ConsoleFrontend,
  type ConsoleFrontendOptions,
  type ConsoleOwner,
} from "./src/console/console_frontend.ts";
export { activeConsoleDevices, type ConsoleDeviceOptions } from "./src/console/console_devices.ts";
export {
  type EchoMode,
  type FeedResult,
  LineEditor,
  type LineEditorOptions,
  type LineEditorWords,
  type LineOutcome,
} from "./src/console/line_editor.ts";
export { Translator } from "./src/i18n/translator.ts";
export { type Environment, messageLanguage } from "./src/i18n/locale.ts";
export { keyboardLayout, type KeyboardLayoutSources } from "./src/prompt/keyboard_layout.ts";
export { type CapsLockSubscription, CapsLockWatcher } from "./src/prompt/caps_lock_watcher.ts";
export type { AnswerFamily, DiskIdentity, RequestKind } from "./src/request/request_kind.ts";
export { DatagramSender } from "./src/ffi/datagram_socket.ts";
export { sanitizeMessage } from "./src/protocol/sanitize_message.ts";
export {
  createLogger,
  type Logger,
  type LoggerOptions,
  Priority,
  type PriorityName,
} from "./src/log/log.ts";
export {
  PlymouthFrontend,
  type PlymouthFrontendOptions,
} from "./src/plymouth/plymouth_frontend.ts";
export { PlymouthMonitor } from "./src/plymouth/plymouth_monitor.ts";
export {
  encodeRequest as encodePlymouthRequest,
  parseReply as parsePlymouthReply,
  type PlymouthReply,
  PlymouthRequest,
} from "./src/plymouth/protocol.ts";
export { ConsoleHotplug, type ConsoleHotplugOptions } from "./src/console/console_hotplug.ts";
export {
  Reactor,
  type ReactorOptions,
  Readiness,
  type Timer,
  type Watch,
} from "./src/reactor/reactor.ts";
export { SecretMemory, secretMemory } from "./src/secrets/secret_memory.ts";
export { LogRateLimit, type LogRateLimitOptions } from "./src/log/log_rate_limit.ts";
export {
  askPassword,
  type AskPasswordOptions,
  type AskPasswordResult,
} from "./src/asker/ask_password.ts";
export {
  type ReplyDatagram,
  type ReplySender,
  ReplySocket,
  type ReplySocketFeatures,
} from "./src/asker/reply_socket.ts";
export { type AskFileContent, formatAskFile, publishAskFile } from "./src/asker/ask_file_writer.ts";
export {
  type AskerIdentity,
  describeAsker,
  identifyProcess,
  unitFromCgroup,
} from "./src/request/asker_identity.ts";
export { ChangeSignal } from "./src/agent/change_signal.ts";
export { type PeerCredentials } from "./src/ffi/peer_credentials.ts";
export { main } from "./src/cli/main.ts";
export { VERSION } from "./src/version.ts";

if (import.meta.main) await import("./src/cli/program.ts");
