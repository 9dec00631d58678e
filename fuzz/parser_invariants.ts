/**
 * Cheap properties every outcome of `parseAskFile` must have, whatever the
 * input: the documented field types and ranges for an accepted file, a
 * content-free message for a rejected one, and the same outcome when the
 * same bytes are parsed again from another place in memory.
 *
 * @module
 */
import {
  type AskFileFields,
  AskFileSyntaxError,
  parseAskFile,
} from "../src/protocol/parse_ask_file.ts";

const FIELD_NAMES = [
  "pid",
  "socket",
  "acceptCached",
  "echo",
  "silent",
  "notAfter",
  "message",
  "icon",
  "id",
] as const;
const UINT64_MAX = 2n ** 64n - 1n;
const PID_MAX = 2147483647;
/** Characters the conf-parser strips from both ends of every value. */
const STRIPPED = /^[ \t\n\r]|[ \t\n\r]$/;
/** A value lives on one line: these three end lines. */
const LINE_ENDS = /[\n\r\0]/;
/** systemd's string_is_safe(), which Socket= must pass. */
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f"'\\]/;

/**
 * Checks the documented types and ranges of an accepted file's fields.
 *
 * @example Usage
 * ```ts
 * import { acceptedFieldsProblem } from "./parser_invariants.ts";
 * import { parseAskFile } from "../src/protocol/parse_ask_file.ts";
 * const fields = parseAskFile(new TextEncoder().encode("[Ask]\nPID=1\n"));
 * console.assert(acceptedFieldsProblem(fields) === undefined);
 * ```
 * @param fields What the parser returned.
 * @returns What is wrong, or `undefined` when all is well.
 */
export function acceptedFieldsProblem(fields: AskFileFields): string | undefined {
  const names = Object.keys(fields).sort().join();
  if (names !== [...FIELD_NAMES].sort().join()) return `unexpected field names: ${names}`;
  if (!Number.isInteger(fields.pid) || fields.pid < 0 || fields.pid > PID_MAX) {
    return `pid out of range: ${String(fields.pid)}`;
  }
  if (typeof fields.notAfter !== "bigint") return `notAfter is a ${typeof fields.notAfter}`;
  if (fields.notAfter < 0n || fields.notAfter > UINT64_MAX) return "notAfter out of uint64 range";
  for (const name of ["acceptCached", "echo", "silent"] as const) {
    if (typeof fields[name] !== "boolean") return `${name} is a ${typeof fields[name]}`;
  }
  for (const name of ["socket", "message", "icon", "id"] as const) {
    const problem = stringFieldProblem(fields[name]);
    if (problem) return `${name} ${problem}`;
  }
  if (fields.socket !== undefined && UNSAFE.test(fields.socket)) {
    return "socket has characters string_is_safe() refuses";
  }
  return undefined;
}

function stringFieldProblem(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") return `is a ${typeof value}`;
  if (value === "") return "is empty instead of undefined";
  if (STRIPPED.test(value)) return "is not stripped of whitespace";
  if (LINE_ENDS.test(value)) return "holds a line end";
  if (!value.isWellFormed()) return "holds a lone surrogate (was not valid UTF-8)";
  return undefined;
}

/**
 * Checks a rejection: it is content-free (short printable ASCII, as the
 * error's documentation promises) and its line number, if any, is plausible.
 *
 * @param error The AskFileSyntaxError thrown.
 * @param bytes The input (to bound the line number).
 * @returns What is wrong, or `undefined`.
 */
export function syntaxErrorProblem(
  error: AskFileSyntaxError,
  bytes: Uint8Array,
): string | undefined {
  if (!/^[\x20-\x7e]{1,200}$/.test(error.message)) {
    return "the message is not short printable ASCII (could quote the file)";
  }
  if (error.line !== undefined) {
    if (!Number.isInteger(error.line) || error.line < 1 || error.line > bytes.length + 1) {
      return `implausible line number ${error.line}`;
    }
  }
  return undefined;
}

/**
 * The rejection reason without its position, for statistics.
 *
 * @example Usage
 * ```ts
 * import { rejectionReason } from "./parser_invariants.ts";
 * import { AskFileSyntaxError } from "../src/protocol/parse_ask_file.ts";
 * console.assert(rejectionReason(new AskFileSyntaxError("Invalid UTF-8", 3)) === "Invalid UTF-8");
 * ```
 * @param error The error.
 * @returns Its message without ` at line N`.
 */
export function rejectionReason(error: AskFileSyntaxError): string {
  return error.message.replace(/ at line \d+$/, "");
}

/**
 * Parses the same bytes again, from a copy at another offset of a larger
 * buffer (so a parser that reads `.buffer` or keeps state between calls
 * shows up), and compares the outcome with the first one.
 *
 * @param bytes The input.
 * @param first The first outcome: the fields, or the AskFileSyntaxError.
 * @returns What differs, or `undefined`.
 */
export function repeatedParseProblem(
  bytes: Uint8Array,
  first: AskFileFields | AskFileSyntaxError,
): string | undefined {
  const shifted = new Uint8Array(bytes.length + 7).fill(0x41);
  shifted.set(bytes, 3);
  let second: AskFileFields | AskFileSyntaxError;
  try {
    second = parseAskFile(shifted.subarray(3, 3 + bytes.length));
  } catch (error) {
    if (!(error instanceof AskFileSyntaxError)) throw error;
    second = error;
  }
  if (first instanceof AskFileSyntaxError || second instanceof AskFileSyntaxError) {
    const describe = (outcome: typeof first) =>
      outcome instanceof AskFileSyntaxError ? `rejected (${outcome.message})` : "accepted";
    return describe(first) === describe(second)
      ? undefined
      : `second parse differs: first ${describe(first)}, then ${describe(second)}`;
  }
  for (const name of FIELD_NAMES) {
    if (first[name] !== second[name]) return `second parse differs in ${name}`;
  }
  return undefined;
}
