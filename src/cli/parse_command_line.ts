/**
 * The command line: `askpw list|query|watch [options]`.
 *
 * Hand-written rather than node:util's parseArgs because `--console` takes an
 * optional value (`--console` vs `--console=/dev/ttyS0`), as systemd's agent does.
 *
 * @module
 */
import { required, seconds, splitOption, UsageError } from "./command_line_options.ts";

export { UsageError } from "./command_line_options.ts";

/** What the command line asks for. */
export interface CommandLine {
  /** The command (`query` when none is given, like systemd's agent). */
  command: "list" | "query" | "watch" | "help" | "version";
  /** `list --json`. */
  json: boolean;
  /** `--console` (`true`: every active console) or `--console=DEVICE`. */
  console?: true | string;
  /** `--plymouth`: ask through plymouthd only (systemd's meaning). */
  plymouth: boolean;
  /** `--consoles=DEV[,DEV…]`: replaces the console list of /sys/class/tty/console/active. */
  consoles?: string[];
  /** `--debug`: log debug lines. */
  debug: boolean;
  /** `--no-cache`: never answer AcceptCached=1 requests from typed passwords. */
  cache: boolean;
  /** `--cache-time=SECONDS`: how long a typed password answers AcceptCached=1 requests. */
  cacheSeconds: number;
  /**
   * `--user`: answer only the per-user directory (`$XDG_RUNTIME_DIR/systemd/ask-password`),
   * never the system one: the per-user agent that `systemd --user` runs.
   */
  user: boolean;
  /** `--no-reveal` (or `rd.askpw.reveal=0`): no Ctrl-R at console prompts. */
  reveal: boolean;
  /** `--beep` (or `rd.askpw.beep=1`): a tone when a prompt appears. */
  beep: boolean;
  /**
   * `--delay=SEC` (or `rd.askpw.delay=SEC`): requests clevis works on are
   * shown after SEC seconds unless it gives up sooner.
   */
  delaySeconds: number;
}

const COMMANDS = ["list", "query", "watch"] as const;

/**
 * Parses askpw's arguments.
 *
 * @example Usage
 * ```ts
 * import { parseCommandLine } from "./parse_command_line.ts";
 * parseCommandLine(["watch", "--console=/dev/ttyS0"]).console; // "/dev/ttyS0"
 * ```
 * @param args The arguments after the program name.
 * @returns The parsed command line.
 * @throws {UsageError} On an unknown option, a misplaced value or a second command.
 */
export function parseCommandLine(args: readonly string[]): CommandLine {
  const result: CommandLine = {
    command: "query",
    json: false,
    debug: false,
    cache: true,
    cacheSeconds: 150,
    plymouth: false,
    user: false,
    reveal: true,
    beep: false,
    delaySeconds: 0,
  };
  let command: string | undefined;
  for (const arg of args) {
    const [name, value] = splitOption(arg);
    if (arg === "--help" || arg === "-h") return { ...result, command: "help" };
    if (arg === "--version") return { ...result, command: "version" };
    if (arg === "--json") result.json = true;
    else if (arg === "--debug") result.debug = true;
    else if (arg === "--no-cache") result.cache = false;
    else if (arg === "--console") result.console = true;
    else if (arg === "--plymouth") result.plymouth = true;
    else if (arg === "--user") result.user = true;
    else if (arg === "--no-reveal") result.reveal = false;
    else if (arg === "--beep") result.beep = true;
    else if (name === "--console" && value !== undefined) {
      result.console = required(name, value, "a device, e.g. --console=/dev/ttyS0");
    } else if (name === "--cache-time" && value !== undefined) {
      result.cacheSeconds = seconds(name, value, { example: 150, max: 86400 });
    } else if (name === "--delay" && value !== undefined) {
      result.delaySeconds = seconds(name, value, { example: 5, max: 86400 });
    } else if (name === "--consoles" && value !== undefined) {
      const devices = value.split(",").filter((device) => device !== "");
      if (devices.length === 0) throw new UsageError(`${name}= needs at least one device`);
      result.consoles = devices;
    } else if (arg.startsWith("-")) {
      throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    } else if (command !== undefined) {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    } else if ((COMMANDS as readonly string[]).includes(arg)) {
      command = arg;
    } else {
      throw new UsageError(`unknown command ${JSON.stringify(arg)}`);
    }
  }
  result.command = (command ?? "query") as CommandLine["command"];
  if (result.json && result.command !== "list") throw new UsageError("--json only goes with list");
  if (
    (result.console !== undefined || result.consoles || result.plymouth) &&
    result.command === "list"
  ) {
    throw new UsageError("--console, --consoles and --plymouth only go with query and watch");
  }
  if (result.user && result.command === "list") {
    throw new UsageError("--user only goes with query and watch");
  }
  if ((!result.reveal || result.beep || result.delaySeconds > 0) && result.command === "list") {
    throw new UsageError("--no-reveal, --beep and --delay only go with query and watch");
  }
  if (typeof result.console === "string" && result.consoles) {
    throw new UsageError("--console=DEVICE and --consoles= conflict");
  }
  if (result.plymouth && (result.console !== undefined || result.consoles)) {
    throw new UsageError("--plymouth conflicts with --console and --consoles");
  }
  return result;
}

/** The text of `askpw --help`. */
export const USAGE = `askpw — answers systemd password requests (ask-password protocol)

Usage:
  askpw list [--json]                 Show pending requests
  askpw ask [OPTIONS] [MESSAGE]       Ask for a password (see askpw ask --help)
  askpw reply [OPTIONS]               Answer pending requests from afar (see askpw reply --help)
  askpw varlink [--socket=PATH]       Serve io.systemd.AskPassword (see askpw varlink --help)
  askpw query [MODE]                  Answer pending requests once, then exit
  askpw watch [MODE]                  Keep answering new requests (READY=1 to $NOTIFY_SOCKET)

Modes (without one, query uses this terminal and watch chooses by itself:
Plymouth while plymouthd answers, text prompts on every console it does not
draw on, failing over live between them):
  --console           Prompt on every active kernel console at once
                      (/sys/class/tty/console/active); the first answer wins
  --console=DEVICE    Prompt on DEVICE (e.g. /dev/ttyS0)
  --plymouth          Ask through plymouthd only

Options:
  --consoles=DEV,DEV  Use these consoles instead of /sys/class/tty/console/active
  --user              Answer only this user's requests, in
                      $XDG_RUNTIME_DIR/systemd/ask-password (the per-user agent)
  --no-reveal         No Ctrl-R at console prompts (it shows and hides what was typed)
  --beep              A tone when a prompt appears, a low one after a wrong answer
                      (the VT's speaker; BEL on a serial console)
  --delay=SEC         Show the requests clevis works on (a clevis token on the
                      disk, clevis-luks-askpass running) only after SEC seconds,
                      or when clevis gives up (also rd.askpw.delay=SEC)
  --json              With list: print JSON
  --no-cache          Never answer AcceptCached=1 requests with passwords typed earlier
  --cache-time=SEC    Keep typed passwords for AcceptCached=1 requests SEC seconds
                      (default 150, as systemd's keyring; 0 = --no-cache); they
                      are wiped from memory when the time is up
  --debug             Log debug lines
  -h, --help          Show this help
  --version           Show the version

Keys at a prompt: Enter submits, TAB or a first Backspace hides input,
Ctrl-R shows or hides what was typed, Ctrl-U clears, Ctrl-D skips the
request, Ctrl-C aborts it without a reply.

On a virtual terminal the line above the prompt names the keyboard layout
(KEYMAP= of /etc/vconsole.conf, or vconsole.keymap=) and warns while Caps Lock
is on. askpw's own words follow LC_ALL, LC_MESSAGES or LANG (or
/etc/locale.conf): English, German, French or Spanish.
`;
