/**
 * Consoles that appear after askpw started (a USB serial adapter, a
 * late-loading driver: systemd #5183) get prompts too: a tty uevent from the
 * kernel makes askpw look at its console list again.
 *
 * @module
 */
import { UeventListener } from "../ffi/netlink.ts";
import { pathExists } from "../ffi/file.ts";
import type { Logger } from "../log.ts";

/**
 * Calls `add` for every console device that appears (or exists now) and is
 * not in `known`, until `signal` aborts.
 *
 * @example Usage
 * ```ts
 * import { watchConsoles } from "./console_hotplug.ts";
 * import { createLogger } from "../log.ts";
 * await watchConsoles(
 *   () => ["/dev/ttyS0"],
 *   [],
 *   (device) => console.log(device),
 *   createLogger(),
 *   AbortSignal.timeout(10),
 * );
 * ```
 * @param list Returns the wanted console devices (re-read after each tty uevent).
 * @param known Devices that already have a frontend.
 * @param add Called once per new device that exists.
 * @param log Where problems go.
 * @param signal Stops watching.
 */
export async function watchConsoles(
  list: () => string[],
  known: Iterable<string>,
  add: (device: string) => void,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const seen = new Set<string>(known);
  const offer = () => {
    for (const device of list()) {
      if (seen.has(device) || !pathExists(device)) continue;
      seen.add(device);
      add(device);
    }
  };
  let listener: UeventListener;
  try {
    listener = new UeventListener();
  } catch (error) {
    log.warning(`No console hot-plug: ${(error as Error).message}`);
    offer();
    return;
  }
  using _listener = listener;
  offer();
  while (!signal.aborted) {
    const events = await listener.next(signal);
    if (events.some((event) => event.SUBSYSTEM === "tty" && event.ACTION !== "remove")) {
      log.debug("tty uevent: looking for new consoles");
      offer();
    }
  }
}
