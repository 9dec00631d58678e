/**
 * plymouthd has no request to withdraw a prompt: when its client hangs up,
 * the prompt stays and eats the next line typed (plymouth.md §1.4). askpw
 * therefore cancels it the way a person would: by typing Ctrl-C into a
 * terminal plymouthd reads (TIOCSTI). plymouthd then answers the dead request
 * with "\x03" and shows the next prompt; askpw ignores "\x03" entries when it
 * reads plymouthd's password cache.
 *
 * @module
 */
import { closeFd, openFile, OpenFlags } from "../ffi/file_descriptor.ts";
import { injectInput } from "../ffi/termios.ts";
import type { Logger } from "../log/log.ts";

/**
 * Cancels plymouthd's current prompt by typing Ctrl-C into one of its terminals.
 *
 * @example Usage
 * ```ts
 * import { cancelPlymouthPrompt } from "./stale_prompt.ts";
 * import { createLogger } from "../log/log.ts";
 * cancelPlymouthPrompt(["/dev/tty1"], createLogger());
 * ```
 * @param terminals The terminals plymouthd holds open (one is used).
 * @param log Where a failure is logged.
 * @returns Whether Ctrl-C was delivered.
 */
export function cancelPlymouthPrompt(terminals: Iterable<string>, log: Logger): boolean {
  for (const terminal of terminals) {
    let fd = -1;
    try {
      fd = openFile(
        terminal,
        OpenFlags.O_RDWR | OpenFlags.O_NOCTTY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC,
      );
      injectInput(fd, new Uint8Array([0x03]));
      log.debug(`Cancelled plymouthd's stale prompt through ${terminal}`);
      return true;
    } catch (error) {
      log.debug(
        `Cannot cancel plymouthd's prompt through ${terminal}: ${(error as Error).message}`,
      );
    } finally {
      closeFd(fd);
    }
  }
  log.warning("plymouthd keeps a stale prompt: no terminal of it accepted Ctrl-C");
  return false;
}
