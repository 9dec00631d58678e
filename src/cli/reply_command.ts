/**
 * `askpw reply`: answers pending requests with one passphrase and tells,
 * per disk, whether it was accepted. For SSH sessions into the initrd and
 * for scripts; the passphrase never passes through argv or the environment.
 *
 * @module
 */
import { closeFd, openFile, OpenFlags, readFd } from "../ffi/file_descriptor.ts";
import { forbidCoreDumps } from "../ffi/memory.ts";
import {
  getTerminalSettings,
  isTerminal,
  setTerminalSettings,
  withoutEcho,
} from "../ffi/termios.ts";
import { askDirectories } from "../protocol/ask_directory.ts";
import { describeDisk } from "../request/request_kind.ts";
import { Reactor } from "../reactor/reactor.ts";
import { type ReplyOutcome, replyToPending } from "./reply_to_pending.ts";
import { SECRET_SLOT_SIZE, secretMemory } from "../secrets/secret_memory.ts";
import { sanitizeMessage } from "../protocol/sanitize_message.ts";
import { reportUsageError } from "./command_line_options.ts";
import { parseReplyCommandLine, REPLY_USAGE } from "./parse_reply_command_line.ts";

const encoder = new TextEncoder();

/**
 * Runs `askpw reply ARGS`.
 *
 * @example Usage
 * ```ts
 * import { replyCommand } from "./reply_command.ts";
 * const status = await replyCommand(["--json", "--password-file=/run/key"]);
 * ```
 * @param args The arguments after `reply`.
 * @returns 0 when every request answered was accepted, 1 otherwise, 2 on a
 * usage error, 3 when nothing was pending.
 */
export async function replyCommand(args: readonly string[]): Promise<number> {
  let commandLine;
  try {
    commandLine = parseReplyCommandLine(args);
  } catch (error) {
    return reportUsageError("askpw reply", error);
  }
  if (commandLine.help) {
    console.log(REPLY_USAGE);
    return 0;
  }
  try {
    forbidCoreDumps();
  } catch {
    // The passphrase lives in locked memory either way.
  }
  const memory = secretMemory();
  let passphrase: Uint8Array;
  try {
    passphrase = commandLine.passwordFile === undefined
      ? readPassphraseFromStdin()
      : readPassphraseFromFile(commandLine.passwordFile);
  } catch (error) {
    console.error(`askpw reply: ${(error as Error).message}`);
    return 1;
  }
  try {
    await using reactor = new Reactor();
    const directories = await askDirectories(Deno.env.get("XDG_RUNTIME_DIR"), { create: false });
    const outcomes = await replyToPending({
      directories,
      selection: commandLine.selection,
      passphrase,
      waitSeconds: commandLine.waitSeconds,
      reactor,
    });
    if (outcomes.length === 0) {
      if (commandLine.json) console.log("[]");
      console.error("askpw reply: no matching request is pending");
      return 3;
    }
    console.log(
      commandLine.json
        ? JSON.stringify(outcomes.map(toJson), null, 2)
        : outcomes.map(toLine).join("\n"),
    );
    return outcomes.every((outcome) => outcome.outcome === "accepted") ? 0 : 1;
  } finally {
    memory.release(passphrase);
  }
}

function toLine(outcome: ReplyOutcome): string {
  const what = outcome.class.disk ? describeDisk(outcome.class.disk) : outcome.path;
  return sanitizeMessage(`${what}: ${outcome.outcome} (${outcome.reason})`);
}

function toJson(outcome: ReplyOutcome) {
  const disk = outcome.class.disk;
  return {
    path: outcome.path,
    id: outcome.id ?? null,
    kind: outcome.class.kind,
    disk: disk ? { volume: disk.volume ?? null, device: disk.device ?? null } : null,
    outcome: outcome.outcome,
    reason: outcome.reason,
  };
}

/** One line from stdin; on a terminal, prompted on stderr and not echoed. */
function readPassphraseFromStdin(): Uint8Array {
  if (!isTerminal(0)) return firstLine(readAll(0));
  const original = getTerminalSettings(0);
  // Echo off before the prompt shows: what is typed at once stays hidden too.
  setTerminalSettings(0, withoutEcho(original));
  try {
    Deno.stderr.writeSync(encoder.encode("Passphrase: "));
    return firstLine(readAll(0, true));
  } finally {
    setTerminalSettings(0, original);
    Deno.stderr.writeSync(encoder.encode("\n"));
  }
}

function readPassphraseFromFile(path: string): Uint8Array {
  const fd = openFile(path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC | OpenFlags.O_NOCTTY);
  try {
    return firstLine(readAll(fd));
  } finally {
    closeFd(fd);
  }
}

/** Into secret memory, up to end of input (or of the line, on a terminal). */
function readAll(fd: number, untilNewline = false): Uint8Array<ArrayBuffer> {
  const memory = secretMemory();
  const buffer = memory.allocate(SECRET_SLOT_SIZE);
  let filled = 0;
  for (;;) {
    const count = readFd(fd, buffer.subarray(filled));
    if (count === null || count === 0) break;
    filled += count;
    if (untilNewline && buffer.subarray(0, filled).includes(0x0a)) break;
    if (filled === buffer.length) {
      memory.release(buffer);
      throw new Error(`the passphrase is longer than ${SECRET_SLOT_SIZE - 1} bytes`);
    }
  }
  return buffer.subarray(0, filled);
}

/** The bytes before the first line break (CR LF or LF), copied; the rest wiped. */
function firstLine(bytes: Uint8Array<ArrayBuffer>): Uint8Array {
  const memory = secretMemory();
  let end = bytes.indexOf(0x0a);
  if (end < 0) end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  const line = memory.copy(bytes.subarray(0, end));
  memory.release(bytes);
  return line;
}
