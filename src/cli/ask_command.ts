/**
 * `askpw ask`: an asker for initrd scripts and hooks. Prints the password
 * and a newline; exit 0 when answered, 1 on timeout or cancel (one line on
 * stderr), 2 on a usage error. Its files are removed on every way out,
 * SIGINT and SIGTERM included.
 *
 * @module
 */
import { askPassword } from "../asker/ask_password.ts";
import { effectiveUserId } from "../ffi/process.ts";
import { forbidCoreDumps } from "../ffi/memory.ts";
import { createLogger } from "../log/log.ts";
import { SYSTEM_ASK_DIRECTORY } from "../protocol/ask_directory.ts";
import { Reactor } from "../reactor/reactor.ts";
import { secretMemory } from "../secrets/secret_memory.ts";
import { ASK_USAGE, parseAskCommandLine } from "./parse_ask_command_line.ts";
import { reportUsageError } from "./command_line_options.ts";

const NEWLINE = new Uint8Array([0x0a]);

/**
 * Runs `askpw ask ARGS`.
 *
 * @example Usage
 * ```ts
 * import { askCommand } from "./ask_command.ts";
 * const status = await askCommand(["--timeout=30", "Passphrase:"]);
 * ```
 * @param args The arguments after `ask`.
 * @returns The exit status.
 */
export async function askCommand(args: readonly string[]): Promise<number> {
  let commandLine;
  try {
    commandLine = parseAskCommandLine(args);
  } catch (error) {
    return reportUsageError("askpw ask", error);
  }
  if (commandLine.help) {
    console.log(ASK_USAGE);
    return 0;
  }
  const log = createLogger({ debug: commandLine.debug });
  try {
    forbidCoreDumps();
  } catch {
    // Not fatal: the answer lives in locked memory either way.
  }
  const directory = askDirectory();
  if (!directory) {
    console.error("askpw ask: not root and no $XDG_RUNTIME_DIR: no ask directory to use");
    return 1;
  }
  await Deno.mkdir(directory, { recursive: true, mode: 0o755 });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const name of signals) Deno.addSignalListener(name, onSignal);
  await using reactor = new Reactor({
    onError: (error) => log.error(`Internal error: ${(error as Error)?.stack ?? error}`),
  });
  try {
    const result = await askPassword({
      directory,
      message: commandLine.message,
      timeoutSeconds: commandLine.timeoutSeconds,
      echo: commandLine.echo,
      id: commandLine.id,
      icon: commandLine.icon,
      keyname: commandLine.keyname,
      acceptCached: commandLine.acceptCached,
      reactor,
      log,
      signal: stop.signal,
    });
    switch (result.kind) {
      case "answered": {
        const [first] = result.passwords;
        try {
          if (commandLine.output) {
            writeAll(first);
            writeAll(NEWLINE);
          }
        } finally {
          for (const password of result.passwords) secretMemory().release(password);
        }
        return 0;
      }
      case "timeout":
        console.error("askpw ask: no answer before the timeout");
        return 1;
      case "cancelled":
        console.error(
          result.byAgent ? "askpw ask: the agent cancelled the question" : "askpw ask: cancelled",
        );
        return 1;
    }
    return 1;
  } catch (error) {
    console.error(`askpw ask: ${(error as Error).message}`);
    return 1;
  } finally {
    for (const name of signals) Deno.removeSignalListener(name, onSignal);
  }
}

/** The system directory as root, else the per-user one (as systemd v257+ askers choose). */
function askDirectory(): string | undefined {
  if (effectiveUserId() === 0) return SYSTEM_ASK_DIRECTORY;
  const runtime = Deno.env.get("XDG_RUNTIME_DIR");
  if (!runtime?.startsWith("/")) return undefined;
  return `${runtime.replace(/\/+$/, "")}/systemd/ask-password`;
}

function writeAll(bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stdout.writeSync(bytes.subarray(offset));
}
