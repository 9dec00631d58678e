/**
 * The `io.systemd.AskPassword` interface (systemd 258+) that `askpw varlink`
 * serves: its description, and the checks its `Ask` parameters get, with
 * systemd's meanings (relative and absolute timeouts in µs, 64-bit numbers
 * also as decimal strings, `null` for "no timeout", strings refused when
 * unsafe: control characters, quotes or backslashes).
 *
 * @module
 */

/** The interface's name. */
export const ASK_PASSWORD_INTERFACE = "io.systemd.AskPassword";

/** Its description in the Varlink interface definition language. */
export const ASK_PASSWORD_DESCRIPTION =
  `# Ask a person for a password through the ask-password agents
interface io.systemd.AskPassword

# How typing shows: nothing, the text itself, or a mask
type EchoMode (off, on, masked)

# Ask for a password, or take it from the kernel keyring's cache.
# message: the prompt; keyname: the kernel keyring key to look in
# (acceptCached) and to add the answer to (pushCache); icon: an icon name;
# id: a machine-readable id, e.g. cryptsetup:/dev/vda2; timeoutUSec: µs from
# now until the question is withdrawn (unset: 90 s; 0: the cache only; null
# or 2^64-1: none); untilUSec: the same as a CLOCK_MONOTONIC time (the
# earlier of the two wins); echo: how typing shows;
# allowInteractiveAuthentication: ignored (no polkit in the initrd).
# passwords: the answers, usually one.
method Ask(
  message: ?string,
  keyname: ?string,
  icon: ?string,
  id: ?string,
  timeoutUSec: ?int,
  untilUSec: ?int,
  acceptCached: ?bool,
  pushCache: ?bool,
  echo: ?EchoMode,
  allowInteractiveAuthentication: ?bool
) -> (passwords: []string)

# Nothing in the cache, and no agent was to be asked
error NoPasswordAvailable ()

# Nobody answered in time
error TimeoutReached ()
`;

/** UINT64_MAX: "no timeout". */
export const NO_TIMEOUT = 18446744073709551615n;

/** An `Ask` call, checked. */
export interface AskParameters {
  /** `message`. */
  message?: string;
  /** `keyname`. */
  keyname?: string;
  /** `icon`. */
  icon?: string;
  /** `id`. */
  id?: string;
  /** `timeoutUSec`: relative µs; `NO_TIMEOUT` for none; unset: 90 s. */
  timeoutUSec: bigint;
  /** `untilUSec`: absolute CLOCK_MONOTONIC µs; `NO_TIMEOUT` for none. */
  untilUSec: bigint;
  /** `acceptCached`. */
  acceptCached: boolean;
  /** `pushCache`. */
  pushCache: boolean;
  /** `echo`. */
  echo: "off" | "on" | "masked";
}

/** A parameter that is wrong: the reply is `org.varlink.service.InvalidParameter`. */
export class InvalidParameterError extends Error {
  /** The parameter's name. */
  readonly parameter: string;

  /**
   * Creates the error.
   *
   * @param parameter The parameter's name.
   */
  constructor(parameter: string) {
    super(`invalid parameter ${parameter}`);
    this.name = "InvalidParameterError";
    this.parameter = parameter;
  }
}

const KNOWN = new Set([
  "message",
  "keyname",
  "icon",
  "id",
  "timeoutUSec",
  "untilUSec",
  "acceptCached",
  "pushCache",
  "echo",
  "allowInteractiveAuthentication",
]);

/**
 * Checks an `Ask` call's parameters.
 *
 * @example Usage
 * ```ts
 * import { parseAskParameters } from "./ask_password_interface.ts";
 * parseAskParameters({ message: "Passphrase:", timeoutUSec: 30_000_000 }).timeoutUSec; // 30000000n
 * ```
 * @param parameters The call's parameters.
 * @returns The checked parameters.
 * @throws {InvalidParameterError} On an unknown parameter, a wrong type or an unsafe string.
 */
export function parseAskParameters(parameters: Record<string, unknown>): AskParameters {
  for (const name of Object.keys(parameters)) {
    if (!KNOWN.has(name)) throw new InvalidParameterError(name);
  }
  return {
    message: safeString(parameters, "message"),
    keyname: safeString(parameters, "keyname"),
    icon: safeString(parameters, "icon"),
    id: safeString(parameters, "id"),
    timeoutUSec: microseconds(parameters, "timeoutUSec", 90_000_000n),
    untilUSec: microseconds(parameters, "untilUSec", NO_TIMEOUT),
    acceptCached: boolean(parameters, "acceptCached"),
    pushCache: boolean(parameters, "pushCache"),
    echo: echoMode(parameters),
  };
}

function safeString(parameters: Record<string, unknown>, name: string): string | undefined {
  const value = parameters[name];
  if (value === undefined || value === null) return undefined;
  // systemd v260+: no control characters, quotes or backslashes.
  // deno-lint-ignore no-control-regex
  if (typeof value !== "string" || /[\x00-\x1f\x7f"'\\]/.test(value)) {
    throw new InvalidParameterError(name);
  }
  return value;
}

/** An unsigned 64-bit µs value: a JSON number, or a decimal string; `null` is "none". */
function microseconds(parameters: Record<string, unknown>, name: string, unset: bigint): bigint {
  const value = parameters[name];
  if (value === undefined) return unset;
  if (value === null) return NO_TIMEOUT;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^\d{1,20}$/.test(value) && BigInt(value) <= NO_TIMEOUT) {
    return BigInt(value);
  }
  throw new InvalidParameterError(name);
}

function boolean(parameters: Record<string, unknown>, name: string): boolean {
  const value = parameters[name];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw new InvalidParameterError(name);
  return value;
}

function echoMode(parameters: Record<string, unknown>): AskParameters["echo"] {
  const value = parameters.echo;
  if (value === undefined || value === null) return "masked";
  if (value === "off" || value === "on" || value === "masked") return value;
  // Boolean-like words map to on and off, as systemd accepts them.
  if (typeof value === "string") {
    if (/^(1|yes|y|true|t)$/i.test(value)) return "on";
    if (/^(0|no|n|false|f)$/i.test(value)) return "off";
  }
  throw new InvalidParameterError("echo");
}
