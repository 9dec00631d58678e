/**
 * Mutes kernel messages on the console while a prompt is shown, so boot
 * chatter cannot scroll the prompt away (Debian's askpass does the same), and
 * restores them when the last prompt ends.
 *
 * @module
 */
import { libc } from "../ffi/libc.ts";

// syslog(2) actions: CONSOLE_OFF saves console_loglevel and drops it to the
// minimum (emergencies only); CONSOLE_ON restores the saved level.
const SYSLOG_ACTION_CONSOLE_OFF = 6;
const SYSLOG_ACTION_CONSOLE_ON = 7;

let holders = 0;

/**
 * Mutes kernel console messages until the returned handle is disposed; nested
 * holders share one mute. Failures (no CAP_SYSLOG) are ignored: muting is a
 * comfort, not a requirement.
 *
 * @example Usage
 * ```ts
 * import { muteKernelMessages } from "./kernel_messages.ts";
 * {
 *   using _mute = muteKernelMessages();
 *   // prompt here
 * }
 * ```
 * @returns A handle that unmutes on dispose.
 */
export function muteKernelMessages(): Disposable {
  if (holders++ === 0) libc.symbols.klogctl(SYSLOG_ACTION_CONSOLE_OFF, null, 0);
  let released = false;
  return {
    [Symbol.dispose]() {
      if (released) return;
      released = true;
      if (--holders === 0) libc.symbols.klogctl(SYSLOG_ACTION_CONSOLE_ON, null, 0);
    },
  };
}
