/**
 * Mutes kernel messages on the console while a prompt is shown, so boot
 * chatter cannot scroll the prompt away (Debian's askpass does the same), and
 * restores them when the last prompt ends.
 *
 * @module
 */
import { setKernelConsoleMessages } from "../ffi/kernel_log.ts";

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
  if (holders++ === 0) setKernelConsoleMessages(false);
  let released = false;
  return {
    [Symbol.dispose]() {
      if (released) return;
      released = true;
      if (--holders === 0) setKernelConsoleMessages(true);
    },
  };
}
