/**
 * Writing an ask file the way systemd's askers (v257+) do: the content goes
 * to a hidden temporary name in the directory, then the file is renamed to
 * `ask.<random decimal u64>` without replacing anything, so agents only ever
 * see a complete file (IN_MOVED_TO) and never a half-written one.
 *
 * @module
 */
import { removeFile, renameNoReplace } from "../ffi/file_path.ts";

/** What an ask file says (the keys systemd writes, in its order). */
export interface AskFileContent {
  /** The asker's PID. */
  pid: number;
  /** The reply socket's path. */
  socket: string;
  /** Whether a cached answer is acceptable. */
  acceptCached: boolean;
  /** Show what is typed. */
  echo: boolean;
  /** Show nothing while typing. */
  silent: boolean;
  /** CLOCK_MONOTONIC µs after which nobody should answer; 0 for none. */
  notAfter: bigint;
  /** The prompt. */
  message?: string;
  /** An XDG icon name. */
  icon?: string;
  /** A machine-readable id, e.g. `cryptsetup:/dev/vda2`. */
  id?: string;
}

/**
 * Formats the content: `[Ask]`, then `Key=value` lines in systemd's order,
 * booleans as 0/1.
 *
 * @example Usage
 * ```ts
 * import { formatAskFile } from "./ask_file_writer.ts";
 * formatAskFile({
 *   pid: 1,
 *   socket: "/run/s",
 *   acceptCached: false,
 *   echo: false,
 *   silent: false,
 *   notAfter: 0n,
 * });
 * ```
 * @param content What the file says.
 * @returns The text.
 * @throws {TypeError} When a value holds a line break (it would forge keys).
 */
export function formatAskFile(content: AskFileContent): string {
  const bit = (value: boolean) => (value ? "1" : "0");
  const lines = [
    "[Ask]",
    `PID=${content.pid}`,
    `Socket=${content.socket}`,
    `AcceptCached=${bit(content.acceptCached)}`,
    `Echo=${bit(content.echo)}`,
    `NotAfter=${content.notAfter}`,
    `Silent=${bit(content.silent)}`,
  ];
  for (
    const [key, value] of [["Message", content.message], ["Icon", content.icon], [
      "Id",
      content.id,
    ]] as const
  ) {
    if (value === undefined) continue;
    if (/[\n\r\0]/.test(value)) throw new TypeError(`${key}= cannot hold a line break`);
    lines.push(`${key}=${value}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Writes the ask file into `directory` under a temporary name and renames it
 * into place.
 *
 * @example Usage
 * ```ts
 * import { publishAskFile } from "./ask_file_writer.ts";
 * const path = publishAskFile("/tmp", "[Ask]\n");
 * Deno.removeSync(path);
 * ```
 * @param directory The ask directory.
 * @param text The content ({@linkcode formatAskFile}).
 * @returns The path of the published file.
 * @throws {Error} When it cannot be written.
 */
export function publishAskFile(directory: string, text: string): string {
  for (;;) {
    const name = `ask.${randomDecimal()}`;
    const temporary = `${directory}/.#${name}${randomHex()}`;
    Deno.writeTextFileSync(temporary, text, { mode: 0o644, createNew: true });
    try {
      // createNew honours the umask; agents need to read the file.
      Deno.chmodSync(temporary, 0o644);
      if (renameNoReplace(temporary, `${directory}/${name}`)) return `${directory}/${name}`;
    } catch (error) {
      removeFile(temporary);
      throw error;
    }
    removeFile(temporary);
  }
}

/** A random u64 in decimal, as systemd names ask files. */
export function randomDecimal(): string {
  return crypto.getRandomValues(new BigUint64Array(1))[0].toString();
}

/** 16 random lowercase hex digits, as systemd's temporary names end. */
export function randomHex(): string {
  return crypto.getRandomValues(new BigUint64Array(1))[0].toString(16).padStart(16, "0");
}
