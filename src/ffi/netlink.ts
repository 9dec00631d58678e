/**
 * Kernel uevents over netlink (NETLINK_KOBJECT_UEVENT): devices appearing
 * and disappearing, as udev hears of them, without udev.
 *
 * @module
 */
import { closeFd } from "./file_descriptor.ts";
import { check, lastErrno, SystemCallError } from "./errno.ts";
import { libc } from "./libc.ts";
import { SocketConstants } from "./socket_constants.ts";

const AF_NETLINK = 16;
const NETLINK_KOBJECT_UEVENT = 15;
/** The kernel's own multicast group (udev re-broadcasts on group 2). */
const KERNEL_GROUP = 1;
const decoder = new TextDecoder();

/** One kernel uevent: ACTION, SUBSYSTEM, DEVNAME, … */
export type Uevent = Record<string, string>;

/** A socket receiving the kernel's uevents. */
export class UeventListener implements Disposable {
  #fd: number;
  #buffer = new Uint8Array(8192);

  /**
   * Opens the socket and joins the kernel's uevent group.
   *
   * @example Usage
   * ```ts
   * import { UeventListener } from "./netlink.ts";
   * using listener = new UeventListener();
   * ```
   * @throws {SystemCallError} When socket or bind fails.
   */
  constructor() {
    this.#fd = check(
      "socket(AF_NETLINK)",
      libc.symbols.socket(
        AF_NETLINK,
        SocketConstants.SOCK_DGRAM | SocketConstants.SOCK_CLOEXEC | SocketConstants.SOCK_NONBLOCK,
        NETLINK_KOBJECT_UEVENT,
      ),
    );
    // struct sockaddr_nl: nl_family u16, nl_pad u16, nl_pid u32 (0: the kernel assigns), nl_groups u32
    const address = new Uint8Array(12);
    const view = new DataView(address.buffer);
    view.setUint16(0, AF_NETLINK, true);
    view.setUint32(8, KERNEL_GROUP, true);
    if (libc.symbols.bind(this.#fd, address, address.length) < 0) {
      const error = new SystemCallError("bind(AF_NETLINK)", lastErrno());
      closeFd(this.#fd);
      throw error;
    }
  }

  /** The socket, for the caller's event loop (readable when uevents wait). */
  get fd(): number {
    return this.#fd;
  }

  /**
   * Reads the uevents queued now, without waiting: at most `maxDatagrams`, so a
   * flood cannot hold the event loop; the rest stays queued (still readable).
   *
   * @example Usage
   * ```ts
   * import { UeventListener } from "./netlink.ts";
   * using listener = new UeventListener();
   * const events = listener.drain(); // usually []
   * ```
   * @param maxDatagrams Most datagrams this call (default 64).
   * @returns The events received.
   */
  drain(maxDatagrams = 64): Uevent[] {
    const events: Uevent[] = [];
    for (let received = 0; received < maxDatagrams; received++) {
      const count = Number(
        libc.symbols.recv(this.#fd, this.#buffer, BigInt(this.#buffer.length), 0x40),
      );
      if (count <= 0) return events;
      const event = parseUevent(this.#buffer.subarray(0, count));
      if (event) events.push(event);
    }
    return events;
  }

  /** Closes the socket. */
  [Symbol.dispose](): void {
    closeFd(this.#fd);
  }
}

/**
 * Parses a kernel uevent datagram: `action@devpath\0KEY=value\0…`.
 *
 * @example Usage
 * ```ts
 * import { parseUevent } from "./netlink.ts";
 * parseUevent(new TextEncoder().encode("add@/x\0ACTION=add\0SUBSYSTEM=tty\0"))?.SUBSYSTEM; // "tty"
 * ```
 * @param bytes The datagram.
 * @returns Its KEY=value pairs, or `undefined` for anything else (e.g. udev's "libudev" messages).
 */
export function parseUevent(bytes: Uint8Array): Uevent | undefined {
  const parts = decoder.decode(bytes).split("\0");
  if (!parts[0]?.includes("@")) return undefined;
  const event: Uevent = {};
  for (const part of parts.slice(1)) {
    const equals = part.indexOf("=");
    if (equals > 0) event[part.slice(0, equals)] = part.slice(equals + 1);
  }
  return event;
}
