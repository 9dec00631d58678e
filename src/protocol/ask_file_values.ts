/**
 * The value parsers of systemd's conf-parser, as the `[Ask]` section of an
 * ask file uses them: booleans (`parse_boolean()`), unsigned 64-bit integers
 * (`safe_atou64()`) and the safe-string check (`string_is_safe()`). Each
 * keeps systemd's quirks, checked against systemd 252.
 *
 * @example Usage
 * ```ts
 * import { isSafeString, parseBoolean, parseUnsigned } from "./ask_file_values.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseBoolean("on"), true);
 * assert.equal(parseUnsigned("0x10"), 16n);
 * assert.equal(isSafeString("/run/x"), true);
 * ```
 *
 * @module
 */

const UINT64_MAX = 2n ** 64n - 1n;

// A regex without the `u` flag never folds a non-ASCII letter to ASCII
// ("yeſ" stays unequal to "yes"), like systemd's strcaseeq().
const TRUE_WORDS = /^(?:1|yes|y|true|t|on)$/i;
const FALSE_WORDS = /^(?:0|no|n|false|f|off)$/i;

const DIGITS: Record<number, RegExp> = {
  2: /^[01]+$/,
  8: /^[0-7]+$/,
  10: /^[0-9]+$/,
  16: /^[0-9a-fA-F]+$/,
};
/** Digits of UINT64_MAX in each base. */
const MAX_DIGITS: Record<number, number> = { 2: 64, 8: 22, 10: 20, 16: 16 };
const PREFIX: Record<number, string> = { 2: "0b", 8: "0o", 10: "", 16: "0x" };

/**
 * systemd's string_is_safe(): no control characters, quotes or backslashes.
 * Glob characters and `]` are allowed.
 *
 * @example Usage
 * ```ts
 * import { isSafeString } from "./ask_file_values.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isSafeString("/run/systemd/ask-password/sck.1"), true);
 * assert.equal(isSafeString('a"b'), false);
 * ```
 * @param text The text.
 * @returns Whether systemd would call it safe.
 */
export function isSafeString(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f || code === 0x22 || code === 0x27 || code === 0x5c) {
      return false;
    }
  }
  return true;
}

/**
 * systemd's parse_boolean(): `1`, `yes`, `y`, `true`, `t`, `on` and their
 * negatives, ASCII case-insensitive.
 *
 * @example Usage
 * ```ts
 * import { parseBoolean } from "./ask_file_values.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseBoolean("YES"), true);
 * assert.equal(parseBoolean("off"), false);
 * assert.equal(parseBoolean("maybe"), undefined);
 * ```
 * @param value The text.
 * @returns The boolean, or undefined when systemd would refuse the text.
 */
export function parseBoolean(value: string): boolean | undefined {
  if (TRUE_WORDS.test(value)) return true;
  if (FALSE_WORDS.test(value)) return false;
  return undefined;
}

/**
 * systemd's safe_atou64(): skip WHITESPACE, take its own `0b`/`0o` prefixes,
 * then strtoull() with base auto-detection (`0x`, leading `0`, decimal).
 * Quirks kept on purpose (verified on v252): strtoull() itself skips `\v`,
 * `\f` and whitespace after a `0b`/`0o` prefix, accepts `+`, and wraps a
 * negative number modulo 2^64; systemd refuses it only when the `-` is the
 * first character left after its own prefix handling. So `-1` is refused but
 * `\v-1` and `0b -1` give 2^64-1, and `-0` gives 0. systemd's JSON
 * dispatcher reads 64-bit numbers given as strings the same way (Varlink).
 *
 * @example Usage
 * ```ts
 * import { parseUnsigned } from "./ask_file_values.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseUnsigned(" 0x10"), 16n);
 * assert.equal(parseUnsigned("010"), 8n);
 * assert.equal(parseUnsigned("-1"), undefined);
 * ```
 * @param value The text.
 * @returns The number, or undefined when systemd would refuse the text.
 */
export function parseUnsigned(value: string): bigint | undefined {
  let rest = value.replace(/^[ \t\n\r]+/, "");
  let base = 0;
  if (/^0[bB]/.test(rest)) base = 2;
  else if (/^0[oO]/.test(rest)) base = 8;
  if (base !== 0) rest = rest.slice(2);
  const refuseNegative = rest.startsWith("-");

  const [skipped, sign] = /^[ \t\n\v\f\r]*([+-]?)/.exec(rest) ?? ["", ""];
  let digits = rest.slice(skipped.length);
  if (base === 0) {
    if (/^0[xX][0-9a-fA-F]/.test(digits)) {
      base = 16;
      digits = digits.slice(2);
    } else {
      base = digits.startsWith("0") ? 8 : 10;
    }
  }
  if (!DIGITS[base].test(digits)) return undefined;
  // Leading zeros dropped and length capped before BigInt() so that a huge
  // hostile number costs nothing.
  digits = digits.replace(/^0+(?=.)/, "");
  if (digits.length > MAX_DIGITS[base]) return undefined;
  const magnitude = BigInt(PREFIX[base] + digits);
  if (magnitude > UINT64_MAX) return undefined;
  if (sign !== "-" || magnitude === 0n) return magnitude;
  return refuseNegative ? undefined : UINT64_MAX + 1n - magnitude;
}
