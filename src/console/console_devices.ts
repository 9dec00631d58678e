/**
 * Which consoles to prompt on when `--console` names none: every kernel
 * console in /sys/class/tty/console/active, as systemd's agent does.
 *
 * @module
 */
import { pathExists, readSmallFile } from "../ffi/file_path.ts";

const decoder = new TextDecoder();

/** Options for {@linkcode activeConsoleDevices}, to point it at a fake /sys and /dev. */
export interface ConsoleDeviceOptions {
  /** Root of sysfs (default `/sys`). */
  sysfs?: string;
  /** Root of devtmpfs (default `/dev`). */
  devfs?: string;
}

/**
 * Lists the device paths of the active kernel consoles, `tty0` resolved to
 * the foreground virtual terminal. Falls back to `/dev/console` when none
 * can be found (no /sys, a container).
 *
 * @example Usage
 * ```ts
 * import { activeConsoleDevices } from "./console_devices.ts";
 * activeConsoleDevices(); // e.g. ["/dev/tty1", "/dev/ttyS0"]
 * ```
 * @param options Alternative roots, for tests.
 * @returns Device paths, without duplicates.
 */
export function activeConsoleDevices(options: ConsoleDeviceOptions = {}): string[] {
  const sysfs = options.sysfs ?? "/sys";
  const devfs = options.devfs ?? "/dev";
  const devices: string[] = [];
  for (let name of readWords(`${sysfs}/class/tty/console/active`)) {
    if (name === "tty0") {
      const [foreground] = readWords(`${sysfs}/class/tty/tty0/active`);
      if (!foreground) continue;
      name = foreground;
    }
    if (name.includes("/") || name.startsWith(".")) continue;
    const path = `${devfs}/${name}`;
    if (pathExists(path) && !devices.includes(path)) devices.push(path);
  }
  return devices.length > 0 ? devices : [`${devfs}/console`];
}

function readWords(path: string): string[] {
  try {
    return decoder.decode(readSmallFile(path)).split(/\s+/).filter((word) => word.length > 0);
  } catch {
    return [];
  }
}
