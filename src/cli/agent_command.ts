/**
 * `askpw query` and `askpw watch`: the agent on the console(s).
 *
 * @module
 */
import { runAgent } from "../agent/agent.ts";
import { PasswordCache } from "../agent/password_cache.ts";
import { activeConsoleDevices } from "../initrd/console_devices.ts";
import { ConsoleFrontend } from "../console/console_frontend.ts";
import { restoreAllTerminals } from "../console/terminal.ts";
import { notifyServiceManager } from "../ffi/notify.ts";
import type { Logger } from "../log.ts";
import { askDirectories } from "../protocol/ask_directory.ts";
import type { CommandLine } from "./parse_command_line.ts";

/** How long an orderly shutdown may take after SIGTERM before we force it. */
const SHUTDOWN_GRACE_MS = 800;

/**
 * Runs the agent as the command line says.
 *
 * @example Usage
 * ```ts
 * import { agentCommand } from "./agent_command.ts";
 * import { parseCommandLine } from "./parse_command_line.ts";
 * import { createLogger } from "../log.ts";
 * const status = await agentCommand(parseCommandLine(["query"]), createLogger());
 * ```
 * @param commandLine The parsed command line (`query` or `watch`).
 * @param log Where events go.
 * @returns The exit status: 0, or 130 when a query was aborted with Ctrl-C.
 */
export async function agentCommand(commandLine: CommandLine, log: Logger): Promise<number> {
  const mode = commandLine.command === "watch" ? "watch" : "query";
  const stop = new AbortController();
  const onSignal = (name: Deno.Signal) => () => {
    if (stop.signal.aborted) return;
    log.info(`Received ${name}, withdrawing prompts`);
    stop.abort();
    // Unwinding restores the terminals; should anything hang, do it by force.
    setTimeout(() => {
      restoreAllTerminals();
      Deno.exit(0);
    }, SHUTDOWN_GRACE_MS);
  };
  const signals: [Deno.Signal, () => void][] = (["SIGTERM", "SIGINT", "SIGHUP"] as const)
    .map((name) => [name, onSignal(name)]);
  for (const [name, handler] of signals) Deno.addSignalListener(name, handler);

  using cache = new PasswordCache();
  try {
    // Prompting on the kernel's consoles: keep kernel chatter off them meanwhile.
    const muteKernel = commandLine.console === true;
    const frontends = consoleDevices(commandLine).map((device) =>
      new ConsoleFrontend({ device, colors: useColors(), log, muteKernelMessages: muteKernel })
    );
    const directories = await askDirectories(Deno.env.get("XDG_RUNTIME_DIR"));
    const result = await runAgent({
      mode,
      directories,
      frontends,
      log,
      cache: commandLine.cache ? cache : undefined,
      stop: stop.signal,
      onWatching: () => {
        log.debug(`Watching ${directories.map((directory) => directory.path).join(", ")}`);
        notify(log, "READY=1\nSTATUS=Watching for password requests");
      },
    });
    notify(log, "STOPPING=1\nSTATUS=Shutting down");
    return result.cancelled ? 130 : 0;
  } finally {
    restoreAllTerminals();
    for (const [name, handler] of signals) Deno.removeSignalListener(name, handler);
  }
}

function consoleDevices(commandLine: CommandLine): string[] {
  if (commandLine.console === true) return commandLine.consoles ?? activeConsoleDevices();
  if (typeof commandLine.console === "string") return [commandLine.console];
  return ["/dev/tty"];
}

/** Colours as systemd decides them: $SYSTEMD_COLORS, then $NO_COLOR, then $TERM. */
function useColors(): boolean {
  const systemdColors = Deno.env.get("SYSTEMD_COLORS");
  if (systemdColors !== undefined) return !/^(0|no|false|off)$/i.test(systemdColors);
  if (Deno.env.get("NO_COLOR") !== undefined) return false;
  return Deno.env.get("TERM") !== "dumb";
}

function notify(log: Logger, state: string): void {
  try {
    notifyServiceManager(state);
  } catch (error) {
    log.warning(`sd_notify failed: ${(error as Error).message}`);
  }
}
