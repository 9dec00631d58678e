/**
 * Parser for the ask files of systemd's password agent protocol.
 *
 * Written by hand on purpose: generic INI parsers treat `;`/`#`, quotes,
 * backslash continuation and big integers differently from systemd's
 * conf-parser. This parser follows systemd's `config_parse()` semantics as
 * used by `systemd-tty-ask-password-agent`; the quirks noted below were
 * checked against the real agent of systemd 252.
 *
 * @example Usage
 * ```ts
 * import { parseAskFile } from "./parse_ask_file.ts";
 * import assert from "node:assert/strict";
 *
 * const fields = parseAskFile(new TextEncoder().encode("[Ask]\nPID=42\nSocket=/run/x\n"));
 * assert.equal(fields.pid, 42);
 * ```
 *
 * @module
 */
import { concatBytes } from "../ffi/concat_bytes.ts";
import { isSafeString, parseBoolean, parseUnsigned } from "./ask_file_values.ts";

/** Parsed `[Ask]` section of an ask file. */
export interface AskFileFields {
  /** Asker's PID, 1…2147483647; 0 when missing or invalid (no liveness check). */
  pid: number;
  /** Reply socket path; undefined when missing, unsafe, or reset by an empty `Socket=`. */
  socket: string | undefined;
  /** Whether a cached password is an acceptable answer. */
  acceptCached: boolean;
  /** Whether typed characters may be shown. */
  echo: boolean;
  /** Whether to give no feedback at all while typing. */
  silent: boolean;
  /** Deadline on CLOCK_MONOTONIC in microseconds; 0n means none. */
  notAfter: bigint;
  /** Prompt text, raw (neither unquoted nor unescaped; sanitize before printing). */
  message: string | undefined;
  /** XDG icon name. */
  icon: string | undefined;
  /** Machine-readable request id, e.g. `cryptsetup:/dev/sda5`. */
  id: string | undefined;
}

/**
 * Thrown when systemd's parser would reject the whole ask file.
 *
 * The message says what and where, never what the file contained: the file
 * may be hostile.
 *
 * @example Usage
 * ```ts
 * import { AskFileSyntaxError } from "./parse_ask_file.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new AskFileSyntaxError("Invalid UTF-8", 3);
 * assert.equal(error.message, "Invalid UTF-8 at line 3");
 * assert.equal(error.line, 3);
 * ```
 */
export class AskFileSyntaxError extends SyntaxError {
  /** Physical line (1-based) where the problem was found, if known. */
  readonly line: number | undefined;

  /**
   * Creates the error.
   *
   * @param message What is wrong, without any content from the file.
   * @param line The 1-based physical line number, appended as ` at line N`.
   */
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `${message} at line ${line}`);
    this.name = "AskFileSyntaxError";
    this.line = line;
  }
}

/** systemd's LONG_LINE_MAX. */
const MAX_LINE_LENGTH = 1024 * 1024;
const PID_MAX = 2147483647n;

const BACKSLASH = 0x5c;
const BYTE_ORDER_MARK = [0xef, 0xbb, 0xbf];
const SPACE = new Uint8Array([0x20]);

const EOL_NEWLINE = 1;
const EOL_RETURN = 2;
const EOL_NUL = 4;

// fatal: systemd rejects the file; ignoreBOM: a U+FEFF inside the file is a
// character (only the first BOM-led line loses it, see below).
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Parses the bytes of an ask file with systemd's conf-parser semantics.
 *
 * Only the case-sensitive section `[Ask]` is read. Unknown keys, lines
 * without `=`, assignments outside `[Ask]` and invalid values are ignored;
 * an invalid value keeps the previous value, the last valid one wins. The
 * result is not checked for completeness: a file without `Socket=` yields
 * `socket: undefined` and the caller must treat it as invalid.
 *
 * @example Usage
 * ```ts
 * import { parseAskFile } from "./parse_ask_file.ts";
 * import assert from "node:assert/strict";
 *
 * const file = "[Ask]\nPID=9391\nSocket=/run/systemd/ask-password/sck.1\n" +
 *   "NotAfter=18446744073709551615\nEcho=yes\nMessage=Hello \"world\" \\ test\n";
 * const fields = parseAskFile(new TextEncoder().encode(file));
 * assert.equal(fields.pid, 9391);
 * assert.equal(fields.socket, "/run/systemd/ask-password/sck.1");
 * assert.equal(fields.notAfter, 18446744073709551615n);
 * assert.equal(fields.echo, true);
 * assert.equal(fields.message, 'Hello "world" \\ test');
 * ```
 *
 * @param bytes The whole content of the ask file.
 * @returns The fields of the `[Ask]` section, with defaults for missing ones.
 * @throws {AskFileSyntaxError} If a line is 1 MiB or longer, a logical line
 * is not valid UTF-8, or a section header is unterminated or has unsafe
 * characters.
 */
export function parseAskFile(bytes: Uint8Array): AskFileFields {
  const fields: AskFileFields = {
    pid: 0,
    socket: undefined,
    acceptCached: false,
    echo: false,
    silent: false,
    notAfter: 0n,
    message: undefined,
    icon: undefined,
    id: undefined,
  };
  let section: string | undefined;
  let bomSeen = false;
  let pending: Uint8Array[] | undefined;
  let pendingLength = 0;
  let lineNumber = 0;

  const finishLine = (line: Uint8Array) => {
    const parsed = parseLogicalLine(line, lineNumber);
    if (parsed === undefined) return;
    if ("section" in parsed) section = parsed.section;
    else if (section === "Ask") assign(fields, parsed.key, parsed.value);
  };

  for (const physical of physicalLines(bytes)) {
    lineNumber++;
    // Checked on every physical line, before the BOM and continuation
    // handling: a comment inside a continuation is dropped and the
    // continuation goes on, a comment ending in `\` continues nothing, and a
    // BOM hides a `#` behind it.
    if (isComment(physical)) continue;

    let line = physical;
    // systemd strips the BOM from the first line that starts with one, even
    // if that is not the first line of the file, and only once.
    if (!bomSeen && startsWithBom(line)) {
      line = line.subarray(BYTE_ORDER_MARK.length);
      bomSeen = true;
    }

    if (pending !== undefined && pendingLength + line.length > MAX_LINE_LENGTH) {
      throw new AskFileSyntaxError("Continuation line too long", lineNumber);
    }
    // Earlier pieces end in the space that replaced their backslash, so only
    // this piece's trailing backslashes count.
    if (hasOddTrailingBackslashes(line)) {
      pending ??= [];
      pending.push(line.subarray(0, -1), SPACE);
      pendingLength += line.length;
      continue;
    }
    finishLine(pending === undefined ? line : concatBytes([...pending, line]));
    pending = undefined;
    pendingLength = 0;
  }
  if (pending !== undefined) finishLine(concatBytes(pending));
  return fields;
}

/**
 * Splits at `\n`, `\r` and `\0`. One terminator may be followed by one of
 * each other kind (`\r\n`, `\n\r\0`, …), but nothing may follow a `\0`, so
 * `\0\n` and `\n\n` end two lines (which matters for continuation).
 */
function* physicalLines(bytes: Uint8Array): Generator<Uint8Array> {
  let position = 0;
  let lineNumber = 0;
  while (position < bytes.length) {
    lineNumber++;
    const start = position;
    while (position < bytes.length && eolKind(bytes[position]) === 0) position++;
    // systemd's read_line() refuses a line once it holds LONG_LINE_MAX bytes,
    // so 1048575 is the longest accepted.
    if (position - start >= MAX_LINE_LENGTH) {
      throw new AskFileSyntaxError("Line too long", lineNumber);
    }
    const end = position;
    let seen = 0;
    while (position < bytes.length) {
      const kind = eolKind(bytes[position]);
      if (kind === 0 || (seen & (kind | EOL_NUL)) !== 0) break;
      seen |= kind;
      position++;
    }
    yield bytes.subarray(start, end);
  }
}

function eolKind(byte: number): number {
  if (byte === 0x0a) return EOL_NEWLINE;
  if (byte === 0x0d) return EOL_RETURN;
  if (byte === 0x00) return EOL_NUL;
  return 0;
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

function isComment(line: Uint8Array): boolean {
  const first = line.find((byte) => !isWhitespace(byte));
  return first === 0x23 || first === 0x3b; // '#', ';'
}

function startsWithBom(line: Uint8Array): boolean {
  return BYTE_ORDER_MARK.every((byte, index) => line[index] === byte);
}

function hasOddTrailingBackslashes(line: Uint8Array): boolean {
  let count = 0;
  while (count < line.length && line[line.length - 1 - count] === BACKSLASH) count++;
  return count % 2 === 1;
}

type ParsedLine = { section: string } | { key: string; value: string } | undefined;

function parseLogicalLine(bytes: Uint8Array, lineNumber: number): ParsedLine {
  if (bytes.every(isWhitespace)) return undefined; // cheap path for hostile blank files
  // Comment lines never get here, so systemd accepts invalid UTF-8 in them.
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new AskFileSyntaxError("Invalid UTF-8", lineNumber);
  }
  if (hasNoncharacter(text)) throw new AskFileSyntaxError("Invalid UTF-8", lineNumber);

  text = strip(text);
  if (text === "") return undefined;
  if (text.startsWith("[")) {
    if (!text.endsWith("]")) {
      throw new AskFileSyntaxError("Unterminated section header", lineNumber);
    }
    const name = text.slice(1, -1);
    // Same check as for Socket=: glob characters are allowed (verified on
    // v252: `[A*]` and `[A]]` are merely unknown sections).
    if (!isSafeString(name)) {
      throw new AskFileSyntaxError("Unsafe characters in section header", lineNumber);
    }
    return { section: name };
  }
  const equals = text.indexOf("=");
  if (equals <= 0) return undefined;
  return { key: strip(text.slice(0, equals)), value: strip(text.slice(equals + 1)) };
}

/**
 * systemd's UTF-8 validator also refuses the noncharacters U+FDD0…U+FDEF and
 * U+xFFFE/U+xFFFF, which TextDecoder accepts.
 */
function hasNoncharacter(text: string): boolean {
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    if ((codePoint >= 0xfdd0 && codePoint <= 0xfdef) || (codePoint & 0xfffe) === 0xfffe) {
      return true;
    }
  }
  return false;
}

function strip(text: string): string {
  // A scan, not /^\s+|\s+$/g: that regex retries from every position of a
  // long inner run of blanks, quadratic time an ask file could stall us with.
  let start = 0;
  let end = text.length;
  while (start < end && isWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function assign(fields: AskFileFields, key: string, value: string): void {
  switch (key) {
    case "PID": {
      const pid = parseUnsigned(value);
      if (pid !== undefined && pid >= 1n && pid <= PID_MAX) fields.pid = Number(pid);
      break;
    }
    case "Socket":
      if (value === "") fields.socket = undefined;
      else if (isSafeString(value)) fields.socket = value;
      break;
    case "NotAfter":
      fields.notAfter = parseUnsigned(value) ?? fields.notAfter;
      break;
    case "AcceptCached":
      fields.acceptCached = parseBoolean(value) ?? fields.acceptCached;
      break;
    case "Echo":
      fields.echo = parseBoolean(value) ?? fields.echo;
      break;
    case "Silent":
      fields.silent = parseBoolean(value) ?? fields.silent;
      break;
    case "Message":
      fields.message = value === "" ? undefined : value;
      break;
    case "Icon":
      fields.icon = value === "" ? undefined : value;
      break;
    case "Id":
      fields.id = value === "" ? undefined : value;
      break;
  }
}
