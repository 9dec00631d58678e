/**
 * The kernel log's console switch, through klogctl(3) (syslog(2) actions
 * CONSOLE_OFF and CONSOLE_ON). Needs CAP_SYSLOG.
 *
 * @module
 */
import { libc } from "./libc.ts";

// CONSOLE_OFF saves console_loglevel and drops it to the minimum
// (emergencies only); CONSOLE_ON restores the saved level.
const SYSLOG_ACTION_CONSOLE_OFF = 6;
const SYSLOG_ACTION_CONSOLE_ON = 7;

/**
 * Turns kernel messages on the consoles off (saving the log level) or back
 * on (restoring the saved level).
 *
 * @example Usage
 * ```ts
 * import { setKernelConsoleMessages } from "./kernel_log.ts";
 * if (setKernelConsoleMessages(false)) {
 *   // … the console is quiet …
 *   setKernelConsoleMessages(true);
 * }
 * ```
 * @param on `true` to restore the messages, `false` to mute them.
 * @returns Whether the kernel did it (`false` without CAP_SYSLOG).
 */
export function setKernelConsoleMessages(on: boolean): boolean {
  return libc.symbols.klogctl(on ? SYSLOG_ACTION_CONSOLE_ON : SYSLOG_ACTION_CONSOLE_OFF, null, 0) >=
    0;
}
