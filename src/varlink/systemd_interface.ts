/**
 * The `io.systemd` interface: the errors any systemd service may return,
 * which askpw returns too (`io.systemd.System` for a Linux error), and
 * describes as systemd does.
 *
 * @module
 */
import type { VarlinkInterface } from "./varlink_method.ts";

/** The interface's name. */
export const SYSTEMD_INTERFACE = "io.systemd";

/** The error that carries a Linux errno. */
export const SYSTEM_ERROR = `${SYSTEMD_INTERFACE}.System`;

const SYSTEMD_DESCRIPTION = `# Errors any io.systemd service may return
interface io.systemd

# The connection broke (a client makes this up itself; it is never sent)
error Disconnected ()

# A call took too long (a client makes this up itself; it is never sent)
error TimedOut ()

# The peer broke the protocol (a client makes this up itself; it is never sent)
error Protocol ()

# A Linux error: where it comes from ("linux"), its name (ENOENT…) and number
error System (origin: ?string, errnoName: ?string, errno: ?int)
`;

/**
 * `io.systemd`, served for its description: it has no methods.
 *
 * @example Usage
 * ```ts
 * import { systemdInterface } from "./systemd_interface.ts";
 * systemdInterface.name; // "io.systemd"
 * ```
 */
export const systemdInterface: VarlinkInterface = {
  name: SYSTEMD_INTERFACE,
  description: SYSTEMD_DESCRIPTION,
  methods: new Map(),
};

/**
 * The parameters of an `io.systemd.System` error, in the order systemd
 * writes them (`origin`, `errno`, `errnoName`).
 *
 * @example Usage
 * ```ts
 * import { linuxError } from "./systemd_interface.ts";
 * linuxError(5, "EIO"); // { origin: "linux", errno: 5, errnoName: "EIO" }
 * ```
 * @param errno The error's number.
 * @param errnoName Its name.
 * @returns The parameters.
 */
export function linuxError(errno: number, errnoName: string): Record<string, unknown> {
  return { origin: "linux", errno, errnoName };
}
