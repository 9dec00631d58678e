/**
 * `askpw list`: the pending requests, like `systemd-tty-ask-password-agent --list`.
 *
 * @module
 */
import { monotonicMicros } from "../ffi/clock.ts";
import { sanitizeMessage } from "../console/sanitize_message.ts";
import { askDirectories, listAskFileNames } from "../protocol/ask_directory.ts";
import { type AskRequest, readAskRequest } from "../protocol/ask_request.ts";
import { requestStaleness } from "../protocol/request_liveness.ts";

/**
 * Collects the valid, still-wanted requests of every ask directory.
 *
 * @example Usage
 * ```ts
 * import { pendingRequests } from "./list_command.ts";
 * const requests = await pendingRequests();
 * ```
 * @returns The requests.
 */
export async function pendingRequests(): Promise<AskRequest[]> {
  const requests: AskRequest[] = [];
  const now = monotonicMicros();
  for (
    const directory of await askDirectories(Deno.env.get("XDG_RUNTIME_DIR"), { create: false })
  ) {
    for (const name of listAskFileNames(directory)) {
      const result = readAskRequest(directory, name);
      if (result.ok && !requestStaleness(result.request, now)) requests.push(result.request);
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
    : requests.map((request) =>
      `'${sanitizeMessage(request.message ?? "n/a")}' (PID ${request.pid})`
    );
  if (lines.length > 0) console.log(lines.join("\n"));
  return 0;
}

function toJson(request: AskRequest) {
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
  };
}
