/**
 * The askpw command: parses the command line and runs the command.
 *
 * @module
 */
import { restoreAllTerminals } from "../console/terminal.ts";
import { initrdKernelOptions } from "../initrd/kernel_command_line.ts";
import { createLogger } from "../log.ts";
import { VERSION } from "../version.ts";
import { agentCommand } from "./agent_command.ts";
import { askCommand } from "./ask_command.ts";
import { replyCommand } from "./reply_command.ts";
import { varlinkCommand } from "./varlink_command.ts";
import { listCommand } from "./list_command.ts";
import { parseCommandLine, USAGE, UsageError } from "./parse_command_line.ts";

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
  if (args[0] === "ask") return await askCommand(args.slice(1));
  if (args[0] === "reply") return await replyCommand(args.slice(1));
  if (args[0] === "varlink") return await varlinkCommand(args.slice(1));
  let commandLine;
  try {
    commandLine = parseCommandLine(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`askpw: ${error.message} (see askpw --help)`);
    return 2;
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
    if (commandLine.command === "list") return await listCommand(commandLine.json);
    if (kernel.disabled) {
      log.notice("Disabled by rd.askpw=0 on the kernel command line; systemd's agents answer");
      return 0;
    }
    return await agentCommand(commandLine, log);
  } catch (error) {
    restoreAllTerminals();
    log.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}
