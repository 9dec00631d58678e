/**
 * The askpw command: parses the command line and runs the command.
 *
 * @module
 */
import { restoreAllTerminals } from "../console/terminal.ts";
import { initrdKernelOptions } from "../initrd/kernel_command_line.ts";
import { createLogger } from "../log/log.ts";
import { VERSION } from "../version.ts";
import { parseCommandLine, USAGE } from "./parse_command_line.ts";
import { reportUsageError } from "./command_line_options.ts";

// Each command's code is imported when it runs: the agent at boot need not
// evaluate the asker, reply and Varlink modules first.

/**
 * Runs askpw with `args` and returns the exit status.
 *
 * @example Usage
 * ```ts
 * import { main } from "./main.ts";
 * const status = await main(["--version"]); // prints "askpw 0.1.0", returns 0
 * ```
 * @param args The arguments after the program name.
 * @returns 0 on success, 2 on a usage error, 1 on a failure, 130 after Ctrl-C.
 */
export async function main(args: readonly string[]): Promise<number> {
  // `ask` has options of its own (systemd-ask-password's).
  if (args[0] === "ask") {
    const { askCommand } = await import("./ask_command.ts");
    return await askCommand(args.slice(1));
  }
  if (args[0] === "reply") {
    const { replyCommand } = await import("./reply_command.ts");
    return await replyCommand(args.slice(1));
  }
  if (args[0] === "varlink") {
    const { varlinkCommand } = await import("./varlink_command.ts");
    return await varlinkCommand(args.slice(1));
  }
  let commandLine;
  try {
    commandLine = parseCommandLine(args);
  } catch (error) {
    return reportUsageError("askpw", error);
  }
  if (commandLine.command === "help") {
    console.log(USAGE);
    return 0;
  }
  if (commandLine.command === "version") {
    console.log(`askpw ${VERSION}`);
    return 0;
  }
  // Last resort for a bug that escapes every handler: the terminal is
  // restored before Deno ends the process.
  const lastResort = () => restoreAllTerminals();
  globalThis.addEventListener("unhandledrejection", lastResort);
  globalThis.addEventListener("error", lastResort);
  globalThis.addEventListener("unload", lastResort);
  const kernel = initrdKernelOptions();
  const log = createLogger({ debug: commandLine.debug || kernel.debug });
  try {
    if (commandLine.command === "list") {
      const { listCommand } = await import("./list_command.ts");
      return await listCommand(commandLine.json);
    }
    if (kernel.disabled) {
      log.notice("Disabled by rd.askpw=0 on the kernel command line; systemd's agents answer");
      return 0;
    }
    const { agentCommand } = await import("./agent_command.ts");
    return await agentCommand({
      ...commandLine,
      reveal: commandLine.reveal && kernel.reveal,
      beep: commandLine.beep || kernel.beep,
      delaySeconds: commandLine.delaySeconds || kernel.delaySeconds,
    }, log);
  } catch (error) {
    restoreAllTerminals();
    log.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}
