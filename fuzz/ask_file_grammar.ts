/**
 * Grammar-based ask files, as byte strings (see `byte_strings.ts`): valid
 * files in every shape systemd's conf-parser accepts, near-valid files that
 * bend one rule after another, and the rare file with a line near the
 * parser's 1 MiB limit.
 *
 * @module
 */
import {
  ASK_KEYS,
  type AskKey,
  BOM,
  BOOLEANS,
  DOUBLE_TERMINATORS,
  LINE_LIMIT,
  LINE_TERMINATORS,
  NUMBERS,
  SECTION_NAMES,
  SOCKETS,
  TEXTS,
  UNKNOWN_KEYS,
  UTF8_EDGES,
  WHITESPACE,
} from "./ask_file_dictionary.ts";
import type { Prng } from "./prng.ts";

const BOOLEAN_KEYS = new Set<string>(["AcceptCached", "Echo", "Silent"]);
/** The whitespace the conf-parser strips around lines, keys and values. */
const STRIPPED = [" ", "\t", " \t "];
const VALID_BOOLEANS = ["0", "1", "yes", "no", "y", "n", "true", "false", "t", "f", "on", "off"];
const VALID_TEXTS = TEXTS.filter((text) => text !== "" && text.trim() === text);

/**
 * A file systemd's parser accepts: `[Ask]` with the nine keys in any order,
 * comments, other sections, BOM, any line terminator, padding around keys and
 * values, and Message= split by backslash continuations.
 *
 * @example Usage
 * ```ts
 * import { validAskFile } from "./ask_file_grammar.ts";
 * import { Prng } from "./prng.ts";
 * const file = validAskFile(new Prng(1)); // a byte string
 * ```
 * @param random The input's random sequence.
 * @returns The file as a byte string.
 */
export function validAskFile(random: Prng): string {
  const oneTerminator = random.chance(0.7) ? random.pick(LINE_TERMINATORS) : undefined;
  const end = () => oneTerminator ?? random.pick(LINE_TERMINATORS);
  const lines: string[] = [];
  const maybeComment = () => {
    if (random.chance(0.2)) lines.push(comment(random, true));
  };
  if (random.chance(0.2)) lines.push("[Other]", "Message=elsewhere");
  maybeComment();
  lines.push(pad(random, "[Ask]", 0.1, STRIPPED));
  const keys = shuffled(random, ASK_KEYS.filter((key) => key === "Socket" || random.chance(0.7)));
  for (const key of keys) {
    maybeComment();
    lines.push(validAssignment(random, key, end));
  }
  if (random.chance(0.1)) lines.push("[Unrelated]", "Socket=");
  const finalEnd = random.chance(0.1) ? "" : end(); // a last line without a line end is fine
  return (random.chance(0.1) ? BOM : "") +
    lines.map((line, index) => line + (index === lines.length - 1 ? finalEnd : end())).join("");
}

/**
 * A file that bends the rules: random section names and header shapes, key
 * case, unknown keys, edge values, comments that end in backslashes, odd and
 * even continuation backslashes, stray BOMs, invalid UTF-8 and doubled line
 * ends. Some of these parse, many do not.
 *
 * @example Usage
 * ```ts
 * import { nearValidAskFile } from "./ask_file_grammar.ts";
 * import { Prng } from "./prng.ts";
 * const file = nearValidAskFile(new Prng(2));
 * ```
 * @param random The input's random sequence.
 * @returns The file as a byte string.
 */
export function nearValidAskFile(random: Prng): string {
  const end = () =>
    random.chance(0.08) ? random.pick(DOUBLE_TERMINATORS) : random.pick(LINE_TERMINATORS);
  let file = random.chance(0.15) ? BOM : "";
  if (random.chance(0.75)) file += pad(random, "[Ask]", 0.15) + end();
  const count = random.below(12);
  for (let line = 0; line < count; line++) {
    if (random.chance(0.03)) file += BOM;
    file += nearValidLine(random) + end();
  }
  if (random.chance(0.2)) file = file.slice(0, -1); // often cuts a terminator in half
  return file;
}

/**
 * A file with one line near (or over) the parser's 1 MiB limit, or a long
 * line of a few KB, in one piece or split by a continuation so that the
 * pieces add up to the limit. Fillers include long whitespace runs, which
 * cost trimming code dearly if it is not linear.
 *
 * @example Usage
 * ```ts
 * import { longLineAskFile } from "./ask_file_grammar.ts";
 * import { Prng } from "./prng.ts";
 * const file = longLineAskFile(new Prng(3));
 * ```
 * @param random The input's random sequence.
 * @returns The file as a byte string.
 */
export function longLineAskFile(random: Prng): string {
  const length = random.pickWeighted<number>([
    [LINE_LIMIT - 1, 3],
    [LINE_LIMIT, 3],
    [LINE_LIMIT + 1, 1],
    [LINE_LIMIT - 2, 1],
    [random.between(1024, 64 * 1024), 8],
  ]);
  const prefix = random.pick([
    "Message=",
    "Message=a",
    "#",
    "[",
    "Socket=/",
    "NotAfter=",
    "X-Unknown=",
    "",
  ]);
  const suffix = random.pick(["", "", "b", "]", "\\", "\xff", "\xef\xbf\xbe"]);
  const fill = filler(random, Math.max(0, length - prefix.length - suffix.length));
  let line = prefix + fill + suffix;
  if (random.chance(0.25)) {
    // Split by a continuation: the pieces add up to the limit, the lines do not.
    const cut = random.between(1, line.length - 1);
    line = `${line.slice(0, cut)}\\${random.pick(LINE_TERMINATORS)}${line.slice(cut)}`;
  }
  const head = random.chance(0.8) ? "[Ask]\nSocket=/run/systemd/ask-password/sck.1\n" : "";
  const tail = random.chance(0.5) ? "\nMessage=after\n" : "";
  return head + line + tail;
}

function filler(random: Prng, length: number): string {
  const unit = random.pickWeighted<string>([
    ["x", 2],
    [printableRun(random, 61), 2],
    [" ", 2], // a whitespace run: quadratic for a regex like /\s+$/
    [" \t", 1],
    ["\\", 1],
    ["=", 1],
    ["\v", 1],
    ["\xc3\xa9", 1],
    ["\xf0\x9f\x94\x90", 1],
  ]);
  const text = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  if (unit.trim() === "" && length > 1) return `${text.slice(0, -1)}x`; // the run ends inside the line
  return text;
}

/** One `Key=value` line (two with a continuation), without its final line end. */
function validAssignment(random: Prng, key: AskKey, end: () => string): string {
  const value = validValue(random, key);
  if (key === "Message" && random.chance(0.15)) {
    // A continuation: the backslash becomes a space and the next line joins.
    let cut = random.below(value.length + 1);
    while ((value.charCodeAt(cut) & 0xc0) === 0x80) cut++; // not inside a UTF-8 sequence
    return `${key}=${value.slice(0, cut)}\\${end()}${value.slice(cut)}`;
  }
  const separator = random.chance(0.2)
    ? `${random.pick([" ", "\t"])}=${random.pick([" ", "\t"])}`
    : "=";
  return pad(random, key + separator + value, 0.1, STRIPPED);
}

function validValue(random: Prng, key: AskKey): string {
  switch (key) {
    case "PID":
      return random.pick([String(random.between(1, 2147483647)), "1", "0x1", "2147483647"]);
    case "NotAfter":
      return random.pick([
        "0",
        "18446744073709551615",
        "833952331",
        String(BigInt(random.nextUint32()) << 32n | BigInt(random.nextUint32())),
        `0x${random.nextUint32().toString(16)}`,
      ]);
    case "Socket":
      return random.pick([
        `/run/systemd/ask-password/sck.${random.nextUint32().toString(16)}`,
        "/run/systemd/ask-password//sck.792dd030805b17ba",
        "/run/user/1000/systemd/ask-password/sck.1",
      ]);
    case "AcceptCached":
    case "Echo":
    case "Silent":
      return random.pick(VALID_BOOLEANS);
    default:
      return random.pick(VALID_TEXTS);
  }
}

function nearValidLine(random: Prng): string {
  switch (
    random.pickWeighted<string>([
      ["assignment", 10],
      ["header", 2],
      ["comment", 2],
      ["blank", 1],
      ["no-equals", 1],
      ["raw", 1],
    ])
  ) {
    case "header":
      return header(random);
    case "comment":
      return comment(random, false);
    case "blank":
      return random.chance(0.5) ? "" : random.pick(WHITESPACE);
    case "no-equals":
      return random.pick(["Message", "PID 5", "Socket /x", "\\", "Echo", utf8Word(random)]);
    case "raw":
      return rawBytes(random, random.between(1, 24));
    default:
      return nearValidAssignment(random);
  }
}

function header(random: Prng): string {
  const name = random.chance(0.5) ? "Ask" : random.pick(SECTION_NAMES);
  const shape = random.pick([`[${name}]`, `[${name}`, `${name}]`, `[[${name}]]`, `[${name}] x`]);
  return pad(random, shape, 0.3);
}

function comment(random: Prng, valid: boolean): string {
  const marker = random.pick(["#", ";"]);
  const body = valid
    ? random.pick(TEXTS)
    : random.pick([...TEXTS, ...UTF8_EDGES, rawBytes(random, 8)]);
  const trailing = random.chance(0.3) ? "\\".repeat(random.between(1, 3)) : "";
  return (random.chance(0.2) ? random.pick(WHITESPACE) : "") + marker + body + trailing;
}

function nearValidAssignment(random: Prng): string {
  const known = random.chance(0.85);
  let key: string = known ? random.pick(ASK_KEYS) : random.pick(UNKNOWN_KEYS);
  const value = valueFor(random, key);
  if (known && random.chance(0.15)) key = randomCase(random, key);
  let line = random.chance(0.03) ? `=${value}` : `${key}=${value}`;
  line = pad(random, line, 0.2);
  if (random.chance(0.15)) line += "\\".repeat(random.between(1, 4)); // odd continues, even not
  if (random.chance(0.1)) line = insertAt(random, line, random.pick(UTF8_EDGES));
  return line;
}

function valueFor(random: Prng, key: string): string {
  // Mostly the key's own vocabulary, sometimes another key's.
  const own = random.chance(0.8);
  if (key === "PID" || key === "NotAfter" || !own && random.chance(0.3)) {
    return random.chance(0.85) ? random.pick(NUMBERS) : composedNumber(random);
  }
  if (BOOLEAN_KEYS.has(key) || !own && random.chance(0.3)) {
    return randomCase(random, random.pick(BOOLEANS));
  }
  if (key === "Socket") return random.pick(SOCKETS);
  return random.pick(TEXTS);
}

/** A number put together from parts: padding, sign, prefix, digits, junk. */
function composedNumber(random: Prng): string {
  const pieces = [
    random.chance(0.3) ? random.pick(["", " ", "\t", "\v", "\f", "  "]) : "",
    random.chance(0.3) ? random.pick(["0x", "0X", "0b", "0B", "0o", "0O", "0"]) : "",
    random.chance(0.2) ? random.pick([" ", "\v", "\f"]) : "",
    random.chance(0.2) ? random.pick(["-", "+", "--", "+-"]) : "",
    random.chance(0.3) ? "0".repeat(random.between(1, 40)) : "",
    (BigInt(random.nextUint32()) << BigInt(random.below(40)) | BigInt(random.nextUint32()))
      .toString(random.pick([2, 8, 10, 16])),
    random.chance(0.1) ? random.pick(["x", " ", "\t", "\\", "g", "."]) : "",
  ];
  return pieces.join("");
}

/** Surrounds `text` with whitespace (by default also \v, \f and NBSP, which are not stripped). */
function pad(
  random: Prng,
  text: string,
  probability: number,
  spaces: readonly string[] = WHITESPACE,
): string {
  if (!random.chance(probability)) return text;
  return random.pick(spaces) + text + (random.chance(0.5) ? random.pick(spaces) : "");
}

function randomCase(random: Prng, text: string): string {
  let result = "";
  for (const char of text) {
    result += random.chance(0.5) ? char.toUpperCase() : char.toLowerCase();
  }
  return result;
}

function insertAt(random: Prng, text: string, insert: string): string {
  const at = random.below(text.length + 1);
  return text.slice(0, at) + insert + text.slice(at);
}

function printableRun(random: Prng, length: number): string {
  let result = "";
  for (let index = 0; index < length; index++) {
    result += String.fromCharCode(random.between(33, 126));
  }
  return result;
}

function rawBytes(random: Prng, length: number): string {
  let result = "";
  for (let index = 0; index < length; index++) result += String.fromCharCode(random.below(256));
  return result;
}

function utf8Word(random: Prng): string {
  return random.pick(TEXTS).split(" ")[0] ?? "";
}

function shuffled<T>(random: Prng, items: readonly T[]): T[] {
  const result = [...items];
  for (let index = result.length - 1; index > 0; index--) {
    const other = random.below(index + 1);
    [result[index], result[other]] = [result[other], result[index]];
  }
  return result;
}
