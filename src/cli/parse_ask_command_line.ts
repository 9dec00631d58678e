/**
 * The command line of `askpw ask`, with the options systemd-ask-password
 * users know.
 *
 * @module
 */
import { flag, required, seconds, splitOption, UsageError } from "./command_line_options.ts";

/** What `askpw ask` is told. */
export interface AskCommandLine {
  /** The prompt (the arguments joined by spaces, as systemd-ask-password does). */
  message?: string;
  /** Seconds until the question is withdrawn; 0 for never (default 90). */
  timeoutSeconds: number;
  /** Show what is typed. */
  echo: boolean;
  /** `Id=` of the request. */
  id?: string;
  /** `Icon=` of the request. */
  icon?: string;
  /** Kernel keyring key: read first with `acceptCached`, given the answer after. */
  keyname?: string;
  /** A cached answer (keyring, agent's cache) is acceptable. */
  acceptCached: boolean;
  /** Print nothing (exit status only). */
  output: boolean;
  /** Log debug lines (the replier's identity). */
  debug: boolean;
  /** `--help`. */
  help: boolean;
}

/**
 * Parses the arguments after `ask`.
 *
 * @example Usage
 * ```ts
 * import { parseAskCommandLine } from "./parse_ask_command_line.ts";
 * parseAskCommandLine(["--timeout=30", "Passphrase:"]).timeoutSeconds; // 30
 * ```
 * @param args The arguments after `ask`.
 * @returns The parsed command line.
 * @throws {UsageError} On an unknown option, a bad value, or unsafe text.
 */
export function parseAskCommandLine(args: readonly string[]): AskCommandLine {
  const result: AskCommandLine = {
    timeoutSeconds: 90,
    echo: false,
    acceptCached: false,
    output: true,
    debug: false,
    help: false,
  };
  const words: string[] = [];
  let optionsEnd = false;
  for (const arg of args) {
    if (optionsEnd || !arg.startsWith("-") || arg === "-") {
      words.push(arg);
      continue;
    }
    const [name, value] = splitOption(arg);
    switch (name) {
      case "--":
        optionsEnd = true;
        break;
      case "--help":
      case "-h":
        result.help = true;
        break;
      case "--echo":
        result.echo = flag(name, value);
        break;
      case "--accept-cached":
        result.acceptCached = flag(name, value);
        break;
      case "--no-output":
        result.output = !flag(name, value);
        break;
      case "--debug":
        result.debug = flag(name, value);
        break;
      case "--timeout":
        result.timeoutSeconds = seconds(name, required(name, value), { example: 90, finite: true });
        break;
      case "--id":
        result.id = safe(name, required(name, value));
        break;
      case "--icon":
        result.icon = safe(name, required(name, value));
        break;
      case "--keyname":
        result.keyname = safe(name, required(name, value));
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(name)} for ask`);
    }
  }
  if (words.length > 0) result.message = safe("MESSAGE", words.join(" "));
  return result;
}

/** The text of `askpw ask --help`. */
export const ASK_USAGE =
  `askpw ask — asks for a password through whichever agent runs (ask-password protocol)

Usage:
  askpw ask [OPTIONS] [MESSAGE]

Options:
  --timeout=SEC       Withdraw the question after SEC seconds (default 90, 0: never)
  --echo              Show what is typed (Echo=1)
  --id=ID             Machine-readable id of the request (Id=), e.g. cryptsetup:/dev/vda2
  --icon=NAME         XDG icon name (Icon=)
  --keyname=NAME      Add the answer to the kernel user keyring as NAME (150 s)
  --accept-cached     Take the password from the keyring (NAME) or an agent's cache
  --no-output         Print nothing; the exit status tells
  --debug             Log debug lines (who answered)
  -h, --help          Show this help

Prints the password and a newline; exit status 0 when answered, 1 on timeout,
cancel or failure (one line on stderr), 2 on a usage error.
`;

/**
 * systemd (v262) refuses control characters in Message/Icon/Id: they would
 * forge keys of the ask file or reach terminals as escape sequences.
 */
function safe(name: string, text: string): string {
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(text)) throw new UsageError(`${name} holds control characters`);
  return text;
}
