/**
 * `askpw query` and `askpw watch`: the agent on the console(s).
 *
 * @module
 */
import { type AgentOptions, runAgent } from "../agent/agent.ts";
import type { Frontend } from "../agent/frontend.ts";
import { PasswordCache } from "../secrets/password_cache.ts";
import { activeConsoleDevices } from "../console/console_devices.ts";
import { ConsoleHotplug } from "../console/console_hotplug.ts";
import { PlymouthFrontend } from "../plymouth/plymouth_frontend.ts";
import { PlymouthMonitor } from "../plymouth/plymouth_monitor.ts";
import { ConsoleFrontend } from "../console/console_frontend.ts";
import { restoreAllTerminals } from "../console/terminal.ts";
import { ChangeSignal } from "../agent/change_signal.ts";
import { forbidCoreDumps } from "../ffi/memory.ts";
import { pathExists } from "../ffi/file_path.ts";
import type { Logger } from "../log/log.ts";
import { askDirectories, type AskDirectory } from "../protocol/ask_directory.ts";
import { Reactor } from "../reactor/reactor.ts";
import { secretMemory } from "../secrets/secret_memory.ts";
import type { CommandLine } from "./parse_command_line.ts";
import { notify, verifyManagerPidfdIds } from "./service_manager.ts";
import { keyboardLayout } from "../prompt/keyboard_layout.ts";
import { messageLanguage } from "../i18n/locale.ts";
import { Translator } from "../i18n/translator.ts";
import { CapsLockWatcher } from "../prompt/caps_lock_watcher.ts";

/** How long an orderly shutdown may take after SIGTERM before we force it. */
const SHUTDOWN_GRACE_MS = 800;

/**
 * Runs the agent as the command line says.
 *
 * @example Usage
 * ```ts
 * import { agentCommand } from "./agent_command.ts";
 * import { parseCommandLine } from "./parse_command_line.ts";
 * import { createLogger } from "../log/log.ts";
 * const status = await agentCommand(parseCommandLine(["query"]), createLogger());
 * ```
 * @param commandLine The parsed command line (`query` or `watch`).
 * @param log Where events go.
 * @returns The exit status: 0, or 130 when a query was aborted with Ctrl-C.
 */
export async function agentCommand(commandLine: CommandLine, log: Logger): Promise<number> {
  protectSecrets(log);
  verifyManagerPidfdIds(log);
  const agentMode = commandLine.command === "watch" ? "watch" : "query";
  const stop = new AbortController();
  let forcedExit: ReturnType<typeof setTimeout> | undefined;
  const onSignal = (name: Deno.Signal) => () => {
    if (stop.signal.aborted) return;
    log.info(`Received ${name}, withdrawing prompts`);
    stop.abort();
    // Unwinding restores the terminals; should anything hang, do it by force.
    forcedExit = setTimeout(() => {
      restoreAllTerminals();
      Deno.exit(0);
    }, SHUTDOWN_GRACE_MS);
  };
  const signals: [Deno.Signal, () => void][] = (["SIGTERM", "SIGINT", "SIGHUP"] as const)
    .map((name) => [name, onSignal(name)]);
  for (const [name, handler] of signals) Deno.addSignalListener(name, handler);

  await using reactor = new Reactor({
    onError: (error) => log.error(`Internal error: ${(error as Error)?.stack ?? error}`),
  });
  using cache = new PasswordCache({
    lifetimeMs: commandLine.cacheSeconds * 1000,
    timers: reactor,
  });
  // Background helpers (the plymouthd monitor) stop with the agent.
  const finished = new AbortController();
  const background = AbortSignal.any([stop.signal, finished.signal]);
  const helpers: Promise<void>[] = [];
  try {
    const mode = surfaceMode(commandLine);
    const colors = useColors();
    // Prompting on the kernel's consoles: keep kernel chatter off them meanwhile
    // (a device named on the command line only when it is one of them).
    const muteKernel = mode === "console" || mode === "auto" ||
      (mode === "device" && activeConsoleDevices().includes(commandLine.console as string));
    const frontends: Frontend[] = [];
    // What every prompt adds for the person: the layout, Caps Lock, their language.
    const words = new Translator(messageLanguage());
    const layout = keyboardLayout();
    const capsLock = new CapsLockWatcher({ reactor, log });
    const { reveal, beep } = commandLine;
    log.debug(`Prompts in "${words.language}", keyboard layout ${layout}`);
    let monitor: PlymouthMonitor | undefined;
    if (mode === "plymouth" || mode === "auto") {
      monitor = new PlymouthMonitor(log, reactor);
      await monitor.refresh(background);
      helpers.push(
        monitor.run(background).catch((error) =>
          log.error(`The plymouthd monitor stopped: ${(error as Error).message}`)
        ),
      );
      frontends.push(
        new PlymouthFrontend({ monitor, log, reactor, layout, words, capsLock, beep }),
      );
    }
    // Watching, a console that went away is tried again on tty hot-plug events.
    const ttyEvents = agentMode === "watch" && mode !== "terminal" ? new ChangeSignal() : undefined;
    const consoleFrontend = (device: string) =>
      new ConsoleFrontend({
        device,
        colors,
        log,
        reactor,
        muteKernelMessages: muteKernel,
        plymouth: monitor,
        hotplug: ttyEvents,
        layout,
        reveal,
        beep,
        words,
        capsLock,
      });
    let discoverFrontends: AgentOptions["discoverFrontends"];
    let consoles: () => string[] = () => [];
    const initial: string[] = [];
    if (mode === "terminal") frontends.push(consoleFrontend("/dev/tty"));
    else if (mode === "device") {
      initial.push(commandLine.console as string);
      frontends.push(consoleFrontend(commandLine.console as string));
    } else if (mode === "console" || mode === "auto") {
      consoles = () => commandLine.consoles ?? activeConsoleDevices();
      initial.push(...consoles().filter((device) => pathExists(device)));
      frontends.push(...initial.map(consoleFrontend));
    }
    if (ttyEvents) {
      discoverFrontends = (add) =>
        new ConsoleHotplug({
          list: consoles,
          known: initial,
          add: (device) => add(consoleFrontend(device)),
          ttyEvents,
          log,
          reactor,
        });
    }
    const directories = commandLine.user
      ? await userAskDirectories(Deno.env.get("XDG_RUNTIME_DIR"))
      : await askDirectories(Deno.env.get("XDG_RUNTIME_DIR"));
    const result = await runAgent({
      mode: agentMode,
      directories,
      frontends,
      discoverFrontends,
      log,
      reactor,
      cache: commandLine.cache && commandLine.cacheSeconds > 0 ? cache : undefined,
      stop: stop.signal,
      onWatching: () => {
        log.debug(`Watching ${directories.map((directory) => directory.path).join(", ")}`);
        notify(log, "READY=1\nSTATUS=Watching for password requests");
      },
      onStatus: (status) => notify(log, `STATUS=${status}`),
      otherAgentHold: commandLine.delaySeconds > 0
        ? { milliseconds: commandLine.delaySeconds * 1000 }
        : undefined,
    });
    notify(log, "STOPPING=1\nSTATUS=Shutting down");
    return result.cancelled ? 130 : 0;
  } finally {
    clearTimeout(forcedExit);
    finished.abort();
    await Promise.all(helpers);
    restoreAllTerminals();
    for (const [name, handler] of signals) Deno.removeSignalListener(name, handler);
  }
}

/**
 * Before any password is seen: not dumpable (no core dump, /proc/PID/mem and
 * ptrace closed to other processes of our user), and secret pages locked.
 */
function protectSecrets(log: Logger): void {
  try {
    forbidCoreDumps();
  } catch (error) {
    log.warning(`Cannot make askpw undumpable: ${(error as Error).message}`);
  }
  secretMemory().onUnlocked = (reason) =>
    log.warning(`Passwords may be swapped out: their memory cannot be locked (${reason})`);
}

/**
 * `--user`: the per-user directory alone (made when missing), never the
 * system one, whose requests only root may answer.
 *
 * @example Usage
 * ```ts
 * import { userAskDirectories } from "./agent_command.ts";
 * const [directory] = await userAskDirectories("/run/user/1000");
 * directory.path; // "/run/user/1000/systemd/ask-password"
 * ```
 * @param runtimeDirectory The value of `$XDG_RUNTIME_DIR`.
 * @returns The one directory to watch.
 * @throws {Error} Without an absolute `$XDG_RUNTIME_DIR`.
 */
export async function userAskDirectories(
  runtimeDirectory: string | undefined,
): Promise<AskDirectory[]> {
  if (!runtimeDirectory?.startsWith("/")) {
    throw new Error("--user needs $XDG_RUNTIME_DIR (an absolute path), as systemd --user sets it");
  }
  const path = `${runtimeDirectory.replace(/\/+$/, "")}/systemd/ask-password`;
  await Deno.mkdir(path, { recursive: true, mode: 0o755 });
  // The system directory is neither made nor returned with create: false.
  const directories = (await askDirectories(runtimeDirectory, { create: false }))
    .filter((directory) => directory.kind === "user");
  if (directories.length === 0) throw new Error(`${path} is the system's ask directory`);
  return directories;
}

/** Where askpw asks: see the command line's modes. */
type SurfaceMode = "terminal" | "device" | "console" | "plymouth" | "auto";

function surfaceMode(commandLine: CommandLine): SurfaceMode {
  if (commandLine.plymouth) return "plymouth";
  if (typeof commandLine.console === "string") return "device";
  if (commandLine.console === true) return "console";
  if (commandLine.command === "watch") return "auto";
  return commandLine.consoles ? "console" : "terminal";
}

/** Colours as systemd decides them: $SYSTEMD_COLORS, then $NO_COLOR, then $TERM. */
function useColors(): boolean {
  const systemdColors = Deno.env.get("SYSTEMD_COLORS");
  if (systemdColors !== undefined) return !/^(0|no|false|off)$/i.test(systemdColors);
  if (Deno.env.get("NO_COLOR") !== undefined) return false;
  return Deno.env.get("TERM") !== "dumb";
}
