/**
 * sd_notify(3) without libsystemd: one datagram to `$NOTIFY_SOCKET`.
 *
 * @module
 */
import { sendDatagram } from "./datagram_socket.ts";

const encoder = new TextEncoder();

/**
 * Sends `state` (newline-separated `KEY=VALUE` lines, e.g. `READY=1`) to the
 * service manager. Does nothing when `$NOTIFY_SOCKET` is unset.
 *
 * @example Usage
 * ```ts
 * import { notifyServiceManager } from "./notify.ts";
 * notifyServiceManager("READY=1\nSTATUS=Watching for password requests");
 * ```
 * @param state The notification text (at most 4096 bytes).
 * @returns Whether a notification was sent.
 * @throws {SystemCallError} When the socket exists but sending fails.
 * @throws {RangeError} When `$NOTIFY_SOCKET` is not a usable AF_UNIX address.
 */
export function notifyServiceManager(state: string): boolean {
  const target = Deno.env.get("NOTIFY_SOCKET");
  if (!target) return false;
  if (!target.startsWith("/") && !target.startsWith("@")) {
    throw new RangeError("NOTIFY_SOCKET is neither a path nor an abstract name");
  }
  sendDatagram(target, encoder.encode(state));
  return true;
}
