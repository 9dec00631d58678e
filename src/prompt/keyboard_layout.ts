/**
 * The keyboard layout a virtual terminal types with, as
 * systemd-vconsole-setup loads it: `KEYMAP=` from /etc/vconsole.conf, then
 * `vconsole.keymap=` on the kernel command line, then (in the initrd only)
 * `rd.vconsole.keymap=`, each winning over the one before; `us` (the
 * kernel's own map) when none is set. A prompt names it so that a person
 * whose passphrase was typed with another layout sees why it fails.
 *
 * @module
 */
import { pathExists, readSmallFile } from "../ffi/file_path.ts";
import { splitKernelCommandLine } from "../initrd/kernel_command_line.ts";

/** The layout when nothing sets one: the kernel's built-in US map. */
export const DEFAULT_KEYMAP = "us";
/** Longer names are not names (and are cut from a summary line anyway). */
const MAX_KEYMAP_LENGTH = 64;

/** Where {@linkcode keyboardLayout} reads from; tests point them elsewhere. */
export interface KeyboardLayoutSources {
  /** Default `/etc/vconsole.conf`. */
  vconsoleConf?: string;
  /** Default `/proc/cmdline`. */
  cmdline?: string;
  /** Default: whether /etc/initrd-release exists. */
  inInitrd?: boolean;
}

/**
 * The keymap's name, written as it is configured (`de-latin1`).
 *
 * @example Usage
 * ```ts
 * import { keyboardLayout } from "./keyboard_layout.ts";
 * keyboardLayout(); // "us" on a machine without /etc/vconsole.conf
 * ```
 * @param sources Alternative files, for tests.
 * @returns The name.
 */
export function keyboardLayout(sources: KeyboardLayoutSources = {}): string {
  const inInitrd = sources.inInitrd ?? pathExists("/etc/initrd-release");
  let keymap = validKeymap(
    parseEnvironmentFile(readText(sources.vconsoleConf ?? "/etc/vconsole.conf")).get("KEYMAP"),
  );
  const fromCommandLine = keymapFromCommandLine(
    readText(sources.cmdline ?? "/proc/cmdline"),
    inInitrd,
  );
  keymap = fromCommandLine ?? keymap;
  return keymap ?? DEFAULT_KEYMAP;
}

/**
 * The keymap a kernel command line sets: `rd.vconsole.keymap=` (initrd only)
 * over `vconsole.keymap=`, the last of each winning.
 *
 * @example Usage
 * ```ts
 * import { keymapFromCommandLine } from "./keyboard_layout.ts";
 * keymapFromCommandLine("vconsole.keymap=fr rd.vconsole.keymap=de", true); // "de"
 * ```
 * @param text The command line.
 * @param inInitrd Whether `rd.` options count.
 * @returns The keymap, or `undefined` when none is set.
 */
export function keymapFromCommandLine(text: string, inInitrd: boolean): string | undefined {
  let plain: string | undefined;
  let initrd: string | undefined;
  for (const word of splitKernelCommandLine(text)) {
    if (word.startsWith("vconsole.keymap=")) {
      plain = validKeymap(word.slice("vconsole.keymap=".length)) ?? plain;
    } else if (inInitrd && word.startsWith("rd.vconsole.keymap=")) {
      initrd = validKeymap(word.slice("rd.vconsole.keymap=".length)) ?? initrd;
    }
  }
  return initrd ?? plain;
}

/**
 * A systemd environment file (`KEY=value`, `#` and `;` comments, values in
 * single or double quotes) as a map; a line that is none of these is skipped.
 *
 * @example Usage
 * ```ts
 * import { parseEnvironmentFile } from "./keyboard_layout.ts";
 * parseEnvironmentFile('KEYMAP="de-latin1"\nFONT=eurlatgr').get("KEYMAP"); // "de-latin1"
 * ```
 * @param text The file's text.
 * @returns The assignments, the last of each key winning.
 */
export function parseEnvironmentFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\(["\\$`])/g, "$1");
    }
    values.set(match[1]!, value);
  }
  return values;
}

/** A keymap name as a person would write it; anything else (empty, escapes, …) is none. */
function validKeymap(name: string | undefined): string | undefined {
  if (!name || name.length > MAX_KEYMAP_LENGTH) return undefined;
  return /^[A-Za-z0-9][A-Za-z0-9._+@-]*$/.test(name) ? name : undefined;
}

function readText(path: string): string {
  try {
    return new TextDecoder().decode(readSmallFile(path));
  } catch {
    return "";
  }
}
