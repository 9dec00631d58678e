/**
 * The command line of `askpw reply`.
 *
 * @module
 */
import type { ReplySelection } from "./reply_to_pending.ts";
import { required, seconds, splitOption, UsageError } from "./command_line_options.ts";

/** What `askpw reply` is told. */
export interface ReplyCommandLine {
  /** Which requests to answer. */
  selection: ReplySelection;
  /** Read the passphrase from this file instead of stdin. */
  passwordFile?: string;
  /** Print JSON. */
  json: boolean;
  /** Seconds to wait for the outcomes (default 10). */
  waitSeconds: number;
  /** `--help`. */
  help: boolean;
}

/**
 * Parses the arguments after `reply`.
 *
 * @example Usage
 * ```ts
 * import { parseReplyCommandLine } from "./parse_reply_command_line.ts";
 * parseReplyCommandLine(["--disk=root", "--json"]).selection; // { kind: "disk", name: "root" }
 * ```
 * @param args The arguments after `reply`.
 * @returns The parsed command line.
 * @throws {UsageError} On an unknown option, a bad value or a second selection.
 */
export function parseReplyCommandLine(args: readonly string[]): ReplyCommandLine {
  const result: ReplyCommandLine = {
    selection: { kind: "unlock" },
    json: false,
    waitSeconds: 10,
    help: false,
  };
  let selections = 0;
  for (const arg of args) {
    const [name, value] = splitOption(arg);
    switch (name) {
      case "--help":
      case "-h":
        result.help = true;
        break;
      case "--json":
        result.json = true;
        break;
      case "--all":
        selections++;
        result.selection = { kind: "all" };
        break;
      case "--id":
        selections++;
        result.selection = { kind: "id", id: required(name, value) };
        break;
      case "--disk":
        selections++;
        result.selection = { kind: "disk", name: required(name, value) };
        break;
      case "--password-file":
        result.passwordFile = required(name, value);
        break;
      case "--wait":
        result.waitSeconds = seconds(name, required(name, value), { example: 10 });
        break;
      default:
        throw new UsageError(
          `unknown ${arg.startsWith("-") ? "option" : "argument"} ${JSON.stringify(arg)} for reply`,
        );
    }
  }
  if (selections > 1) throw new UsageError("--all, --id= and --disk= conflict");
  return result;
}

/** The text of `askpw reply --help`. */
export const REPLY_USAGE = `askpw reply — answers pending requests with one passphrase, from afar

Usage:
  askpw reply [--all | --id=ID | --disk=NAME] [--password-file=FILE] [--json] [--wait=SEC]

Reads one passphrase (from stdin, without echo on a terminal, or from FILE),
answers the passphrase and PIN requests pending now (--all: every request;
--id: the requests with that Id=; --disk: those for that volume or device),
then waits up to SEC seconds (default 10) for each one's outcome: accepted
(the request went away and no retry for the disk came), not accepted (a
retry came, or the request stayed), or gone (its asker had vanished).

Exit status: 0 when all were accepted, 1 otherwise, 2 on a usage error,
3 when nothing was pending.
`;
