/**
 * The `io.systemd.AskPassword` interface (systemd 258+) that `askpw varlink`
 * serves: its description, and the checks its `Ask` parameters get, with
 * systemd's meanings and in systemd's order (relative and absolute timeouts
 * in µs, 64-bit numbers also as strings, `null` for "no timeout", strings
 * refused when unsafe: control characters, quotes or backslashes).
 *
 * @module
 */
import { parseUnsigned } from "../protocol/ask_file_values.ts";
import {
  checkParameterTypes,
  InvalidParameterError,
  type VarlinkField,
} from "./varlink_parameters.ts";

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
# (acceptCached) and to add the answer to (pushCache, unless false); icon: an icon name;
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
  /** `pushCache` (true unless the call says false). */
  pushCache: boolean;
  /** `echo`. */
  echo: "off" | "on" | "masked";
}

const ECHO_MODES = ["off", "on", "masked"] as const;

/** `Ask`'s input, in the order the interface declares it. */
const ASK_FIELDS: readonly VarlinkField[] = [
  { name: "message", type: "string", optional: true },
  { name: "keyname", type: "string", optional: true },
  { name: "icon", type: "string", optional: true },
  { name: "id", type: "string", optional: true },
  { name: "timeoutUSec", type: "int", optional: true },
  { name: "untilUSec", type: "int", optional: true },
  { name: "acceptCached", type: "bool", optional: true },
  { name: "pushCache", type: "bool", optional: true },
  { name: "echo", type: ECHO_MODES, optional: true },
  { name: "allowInteractiveAuthentication", type: "bool", optional: true },
];

/**
 * Checks an `Ask` call's parameters as systemd 262 does: first their types
 * ({@linkcode checkParameterTypes}), then each value in the call's order
 * (strings must be safe, times not negative, times given as strings are read
 * like systemd's safe_atou64: `0x`, `0o`, `0b`, a leading `0` for octal,
 * leading blanks). Unlike systemd, `null` is taken as "unset" for every
 * field, as the interface's `?type` declares (systemd refuses it except for
 * the two times).
 *
 * @example Usage
 * ```ts
 * import { parseAskParameters } from "./ask_password_interface.ts";
 * parseAskParameters({ message: "Passphrase:", timeoutUSec: 30_000_000 }).timeoutUSec; // 30000000n
 * ```
 * @param parameters The call's parameters (integers beyond 2^53 as bigint, see parseCall).
 * @returns The checked parameters.
 * @throws {InvalidParameterError} On an unknown parameter, a wrong type or an unsafe string.
 */
export function parseAskParameters(parameters: Record<string, unknown>): AskParameters {
  checkParameterTypes(parameters, ASK_FIELDS);
  const result: AskParameters = {
    timeoutUSec: 90_000_000n,
    untilUSec: NO_TIMEOUT,
    acceptCached: false,
    // As systemd: answers go to the key named by keyname unless pushCache is false.
    pushCache: true,
    echo: "masked",
  };
  for (const [name, value] of Object.entries(parameters)) {
    switch (name) {
      case "message":
      case "keyname":
      case "icon":
      case "id":
        result[name] = safeString(name, value);
        break;
      case "timeoutUSec":
      case "untilUSec":
        result[name] = microseconds(name, value);
        break;
      case "acceptCached":
        result.acceptCached = value === true;
        break;
      case "pushCache":
        result.pushCache = value !== false;
        break;
      case "echo":
        result.echo = (value ?? "masked") as AskParameters["echo"];
        break;
    }
  }
  return result;
}

function safeString(name: string, value: unknown): string | undefined {
  if (value === null) return undefined;
  // systemd v260+: no control characters, quotes or backslashes.
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f"'\\]/.test(value as string)) throw new InvalidParameterError(name);
  return value as string;
}

/** An unsigned 64-bit µs value: an integer, or a string systemd's safe_atou64 reads; `null` is "none". */
function microseconds(name: string, value: unknown): bigint {
  if (value === null) return NO_TIMEOUT;
  if (typeof value === "string") {
    const parsed = parseUnsigned(value);
    if (parsed === undefined) throw new InvalidParameterError(name);
    return parsed;
  }
  // An integer in [-2^63, 2^64) by now (checkParameterTypes); -0 is 0.
  const number = typeof value === "bigint" ? value : BigInt(value as number);
  if (number < 0n) throw new InvalidParameterError(name);
  return number;
}
