/**
 * `askpw list`: the pending requests, like `systemd-tty-ask-password-agent --list`.
 *
 * @module
 */
import { type OtherAgent, otherAgentsFor } from "../request/other_agents.ts";
import { monotonicMicros } from "../ffi/clock.ts";
import { closeFd } from "../ffi/file_descriptor.ts";
import { openPidfd } from "../ffi/process.ts";
import { sanitizeMessage } from "../protocol/sanitize_message.ts";
import { askDirectories, listAskFileNames } from "../protocol/ask_directory.ts";
import { type AskRequest, readAskRequest } from "../protocol/ask_request.ts";
import { type AskerIdentity, identifyProcess } from "../request/asker_identity.ts";
import { requestStaleness } from "../request/request_liveness.ts";
import {
  classifyRequest,
  describeDisk,
  kindLabel,
  type RequestClass,
} from "../request/request_kind.ts";

/** A pending request and, when it can be told, who asks, what and for which disk. */
export interface PendingRequest {
  /** The request. */
  request: AskRequest;
  /** Its asker's identity (pidfd-verified). */
  asker?: AskerIdentity;
  /** What is asked and for which disk. */
  class: RequestClass;
  /** Other agents working on it too (clevis, for a disk with a clevis token while it runs). */
  otherAgents: OtherAgent[];
}

/**
 * Collects the valid, still-wanted requests of every ask directory, with
 * their askers' identities.
 *
 * @example Usage
 * ```ts
 * import { pendingRequests } from "./list_command.ts";
 * const requests = await pendingRequests();
 * ```
 * @returns The requests.
 */
export async function pendingRequests(): Promise<PendingRequest[]> {
  const requests: PendingRequest[] = [];
  const now = monotonicMicros();
  for (
    const directory of await askDirectories(Deno.env.get("XDG_RUNTIME_DIR"), { create: false })
  ) {
    for (const name of listAskFileNames(directory)) {
      const result = readAskRequest(directory, name);
      if (!result.ok || requestStaleness(result.request, now)) continue;
      const asker = identify(result.request.pid);
      const requestClass = classifyRequest(result.request, asker);
      requests.push({
        request: result.request,
        asker,
        class: requestClass,
        otherAgents: otherAgentsFor(requestClass.disk?.device),
      });
    }
  }
  return requests;
}

/**
 * Prints the pending requests: `'<Message>' (PID <pid>)` lines, or JSON.
 *
 * @example Usage
 * ```ts
 * import { listCommand } from "./list_command.ts";
 * await listCommand(false);
 * ```
 * @param json Print a JSON array instead of lines.
 * @returns The exit status.
 */
export async function listCommand(json: boolean): Promise<number> {
  const requests = await pendingRequests();
  const lines = json
    ? [JSON.stringify(requests.map(toJson), null, 2)]
    : requests.map(({ request, asker, class: { kind, disk }, otherAgents }) => {
      const what = [
        kindLabel(kind),
        disk && describeDisk(disk),
        ...otherAgents.map(({ name, pid }) =>
          `${name}${pid === undefined ? "" : ` (PID ${pid})`} works on it too`
        ),
      ].filter(Boolean).join(", ");
      return `'${sanitizeMessage(request.message ?? "n/a")}' (PID ${request.pid}${
        what ? `, ${sanitizeMessage(what)}` : ""
      }${asker ? `, ${sanitizeMessage(describeIdentity(asker))}` : ""})`;
    });
  if (lines.length > 0) console.log(lines.join("\n"));
  return 0;
}

function identify(pid: number): AskerIdentity | undefined {
  if (pid <= 0) return undefined;
  let pidfd: number | undefined;
  try {
    pidfd = openPidfd(pid);
    return pidfd === undefined ? undefined : identifyProcess(pid, pidfd);
  } catch {
    return undefined;
  } finally {
    if (pidfd !== undefined) closeFd(pidfd);
  }
}

function describeIdentity(asker: AskerIdentity): string {
  return [asker.unit ?? "no unit", asker.exe ?? "executable unknown"].join(", ") +
    `, pidfs ID ${asker.pidfdId ?? "none"}`;
}

function toJson({ request, asker, class: { kind, disk }, otherAgents }: PendingRequest) {
  return {
    path: request.path,
    message: request.message ?? null,
    id: request.id ?? null,
    icon: request.icon ?? null,
    pid: request.pid,
    socket: request.socket,
    acceptCached: request.acceptCached,
    echo: request.echo,
    silent: request.silent,
    // NotAfter is a 64-bit µs value: a string keeps every digit.
    notAfter: request.notAfter.toString(),
    kind,
    disk: disk ? { volume: disk.volume ?? null, device: disk.device ?? null } : null,
    // The pidfs ID too (a 64-bit value); "none" where the kernel has no pidfs.
    asker: asker
      ? {
        pid: asker.pid,
        pidfdId: asker.pidfdId?.toString() ?? "none",
        exe: asker.exe ?? null,
        unit: asker.unit ?? null,
      }
      : null,
    // Who else answers it: clevis, told from the disk's LUKS2 token and its running askpass.
    otherAgents: otherAgents.map(({ name, pid }) => ({ name, pid: pid ?? null })),
  };
}
