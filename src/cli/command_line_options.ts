/**
 * The pieces every hand-written askpw command line is parsed with (`askpw`,
 * `ask`, `reply`, `varlink`): `--name=value` split in two, yes/no flags,
 * required values and seconds, each mistake a {@linkcode UsageError} of one
 * line, reported the same way by every command.
 *
 * @module
 */

/** A command-line mistake; reported as one line with exit status 2. */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @example Usage
   * ```ts
   * import { UsageError } from "./command_line_options.ts";
   * const error = new UsageError('unknown option "--bogus"');
   * ```
   * @param message What is wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Splits `--name=value` at its first `=`.
 *
 * @example Usage
 * ```ts
 * import { splitOption } from "./command_line_options.ts";
 * splitOption("--id=cryptsetup:/dev/vda2"); // ["--id", "cryptsetup:/dev/vda2"]
 * splitOption("--echo"); // ["--echo", undefined]
 * ```
 * @param arg One argument.
 * @returns The name, and the value (`undefined` without `=`, `""` after a bare `=`).
 */
export function splitOption(arg: string): [name: string, value: string | undefined] {
  const equals = arg.indexOf("=");
  return equals < 0 ? [arg, undefined] : [arg.slice(0, equals), arg.slice(equals + 1)];
}

/**
 * A boolean flag as systemd's tools take them: `--echo` alone, or
 * `--echo=yes|no` (also 1/0, true/false, on/off, in any case).
 *
 * @example Usage
 * ```ts
 * import { flag } from "./command_line_options.ts";
 * flag("--echo", undefined); // true
 * flag("--echo", "no"); // false
 * ```
 * @param name The option, for the message.
 * @param value What followed `=`, if anything.
 * @returns Whether the flag is on.
 * @throws {UsageError} When the value is neither yes nor no.
 */
export function flag(name: string, value: string | undefined): boolean {
  if (value === undefined || /^(1|yes|true|on)$/i.test(value)) return true;
  if (/^(0|no|false|off)$/i.test(value)) return false;
  throw new UsageError(`${name} takes no value other than yes or no`);
}

/**
 * The value of an option that must have one.
 *
 * @example Usage
 * ```ts
 * import { required } from "./command_line_options.ts";
 * required("--id", "root"); // "root"
 * required("--console", "", "a device, e.g. --console=/dev/ttyS0"); // throws "--console= needs a device, …"
 * ```
 * @param name The option, for the message.
 * @param value What followed `=`, if anything.
 * @param what What the message says it needs (default "a value").
 * @returns The value, never empty.
 * @throws {UsageError} `NAME= needs WHAT` when the value is missing or empty.
 */
export function required(name: string, value: string | undefined, what = "a value"): string {
  if (value === undefined || value === "") throw new UsageError(`${name}= needs ${what}`);
  return value;
}

/** The seconds an option accepts, and the example its message gives. */
export interface SecondsRange {
  /** The value shown as an example (`--wait=10`). */
  example: number;
  /**
   * The largest value accepted. When given, the message names the range
   * (`from 0 to 86400`); without it, the message quotes what was given
   * instead, and any number of decimal digits passes.
   */
  max?: number;
  /** Refuse a number too large to be finite (hundreds of digits). */
  finite?: boolean;
}

/**
 * A number of seconds: decimal digits with an optional fraction (`90`,
 * `1.5`); no sign, no exponent.
 *
 * @example Usage
 * ```ts
 * import { seconds } from "./command_line_options.ts";
 * seconds("--timeout", "30", { example: 90 }); // 30
 * seconds("--cache-time", "90000", { example: 150, max: 86400 });
 * // throws "--cache-time= needs seconds from 0 to 86400, e.g. --cache-time=150"
 * ```
 * @param name The option, for the message.
 * @param text Its value.
 * @param range Where the value must lie, and the message's example.
 * @returns The seconds.
 * @throws {UsageError} When `text` is not such a number, or lies outside the range.
 */
export function seconds(name: string, text: string, range: SecondsRange): number {
  const value = Number(text);
  const inRange = range.max === undefined
    ? !range.finite || Number.isFinite(value)
    : value <= range.max;
  if (/^\d+(\.\d+)?$/.test(text) && inRange) return value;
  throw new UsageError(
    range.max === undefined
      ? `${name}= needs seconds, e.g. ${name}=${range.example}, not ${JSON.stringify(text)}`
      : `${name}= needs seconds from 0 to ${range.max}, e.g. ${name}=${range.example}`,
  );
}

/**
 * Reports a {@linkcode UsageError} as every askpw command does: one line on
 * stderr that points to `--help`, and exit status 2. Any other error is
 * thrown on.
 *
 * @example Usage
 * ```ts
 * import { reportUsageError, UsageError } from "./command_line_options.ts";
 * const status = reportUsageError("askpw varlink", new UsageError('unknown argument "x" for varlink'));
 * // stderr: askpw varlink: unknown argument "x" for varlink (see askpw varlink --help)
 * ```
 * @param program The command as typed (`askpw`, `askpw ask`).
 * @param error What the parser threw.
 * @returns 2, the exit status of a usage error.
 * @throws {unknown} `error` itself when it is not a UsageError.
 */
export function reportUsageError(program: string, error: unknown): 2 {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${program}: ${error.message} (see ${program} --help)`);
  return 2;
}
