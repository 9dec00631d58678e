/**
 * askpw's kernel command-line options, honoured in the initrd only (the
 * `rd.` prefix promises that): `rd.askpw=0` disables askpw, `rd.askpw.debug`
 * logs more, `rd.askpw.reveal=0` takes the reveal key away, `rd.askpw.beep=1`
 * sounds a tone when a prompt appears, `rd.askpw.delay=SEC` holds back the
 * requests clevis works on for SEC seconds.
 *
 * @module
 */
import { pathExists, readSmallFile } from "../ffi/file_path.ts";

/** What the kernel command line asks of askpw. */
export interface KernelOptions {
  /** `rd.askpw=0` (or `no`, `false`, `off`): askpw stands aside for systemd's agents. */
  disabled: boolean;
  /** `rd.askpw.debug`: log debug lines. */
  debug: boolean;
  /** `rd.askpw.reveal=0`: no reveal key (Ctrl-R) at console prompts; on by default. */
  reveal: boolean;
  /** `rd.askpw.beep=1`: a tone when a prompt appears, another after a wrong answer. */
  beep: boolean;
  /**
   * `rd.askpw.delay=SEC`: requests another agent (clevis) works on are shown
   * only after SEC seconds, unless it gives up sooner; 0 (the default) shows them at once.
   */
  delaySeconds: number;
}

/** The options when the kernel command line says nothing. */
const DEFAULTS: KernelOptions = {
  disabled: false,
  debug: false,
  reveal: true,
  beep: false,
  delaySeconds: 0,
};
/** The longest grace period `rd.askpw.delay=` sets: a day. */
const MAX_DELAY_SECONDS = 86_400;

/**
 * Splits a kernel command line into words as the kernel does: whitespace
 * separates, double quotes group (and are dropped).
 *
 * @example Usage
 * ```ts
 * import { splitKernelCommandLine } from "./kernel_command_line.ts";
 * splitKernelCommandLine('quiet rd.askpw.debug foo="a b"'); // ["quiet", "rd.askpw.debug", "foo=a b"]
 * ```
 * @param text The command line.
 * @returns The words.
 */
export function splitKernelCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let quoted = false;
  let inWord = false;
  for (const char of text) {
    if (char === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * Reads askpw's options from a kernel command line; the last mention wins.
 *
 * @example Usage
 * ```ts
 * import { parseKernelOptions } from "./kernel_command_line.ts";
 * parseKernelOptions("console=ttyS0 rd.askpw=0").disabled; // true
 * ```
 * @param text The command line.
 * @returns The options.
 */
export function parseKernelOptions(text: string): KernelOptions {
  const options: KernelOptions = { ...DEFAULTS };
  for (const word of splitKernelCommandLine(text)) {
    const [key, value] = word.includes("=")
      ? [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)]
      : [word, undefined];
    if (key === "rd.askpw") options.disabled = /^(0|no|false|off)$/i.test(value ?? "1");
    else if (key === "rd.askpw.debug") options.debug = isOn(value);
    else if (key === "rd.askpw.reveal") options.reveal = isOn(value);
    else if (key === "rd.askpw.beep") options.beep = isOn(value);
    else if (key === "rd.askpw.delay") {
      const seconds = Number(value);
      if (value !== undefined && /^\d+(\.\d+)?$/.test(value) && seconds <= MAX_DELAY_SECONDS) {
        options.delaySeconds = seconds;
      }
    }
  }
  return options;
}

/**
 * The options from /proc/cmdline when running in an initrd (/etc/initrd-release
 * exists); the defaults elsewhere.
 *
 * @example Usage
 * ```ts
 * import { initrdKernelOptions } from "./kernel_command_line.ts";
 * const { debug } = initrdKernelOptions();
 * ```
 * @param paths Alternative files, for tests.
 * @returns The options.
 */
export function initrdKernelOptions(
  paths: { initrdRelease?: string; cmdline?: string } = {},
): KernelOptions {
  if (!pathExists(paths.initrdRelease ?? "/etc/initrd-release")) {
    return { ...DEFAULTS };
  }
  try {
    return parseKernelOptions(
      new TextDecoder().decode(readSmallFile(paths.cmdline ?? "/proc/cmdline")),
    );
  } catch {
    return { ...DEFAULTS };
  }
}

/** A boolean option: on when bare or set to anything but 0, no, false or off. */
function isOn(value: string | undefined): boolean {
  return !/^(0|no|false|off)$/i.test(value ?? "1");
}
