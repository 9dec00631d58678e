/**
 * Where a reply may go. systemd's agent sends to whatever `Socket=` names; we
 * only send to a socket in the ask file's own directory, reached through no
 * symlink and owned by the ask file's owner, so a request cannot aim our
 * datagram (a password!) at somebody else's socket.
 *
 * @module
 */
import { FileType, linkStatus } from "../ffi/file_status.ts";
import type { AskRequest } from "../protocol/ask_request.ts";

/**
 * Checks the request's `Socket=` against the policy above.
 *
 * @example Usage
 * ```ts
 * import { replySocketProblem } from "./reply_socket_policy.ts";
 * import type { AskRequest } from "../protocol/ask_request.ts";
 * const request = {} as AskRequest;
 * const problem = replySocketProblem(request);
 * if (problem) console.log(`skipped: ${problem}`);
 * ```
 * @param request The request.
 * @returns `undefined` when the socket is acceptable, else the reason.
 */
export function replySocketProblem(request: AskRequest): string | undefined {
  // systemd v257+ writes "/run/systemd/ask-password//sck.…": collapse slashes.
  const socket = request.socket.replace(/\/{2,}/g, "/");
  if (!socket.startsWith("/")) return "Socket= is not an absolute path";
  const slash = socket.lastIndexOf("/");
  const parent = socket.slice(0, slash);
  const base = socket.slice(slash + 1);
  if (parent !== request.directory.path) return "Socket= is outside the ask directory";
  if (base === "" || base === "." || base === "..") return "Socket= names no file";
  let prefix = "";
  for (const component of parent.split("/").slice(1)) {
    prefix += `/${component}`;
    const status = linkStatus(prefix);
    if (!status) return "Socket= directory does not exist";
    if (status.type !== FileType.S_IFDIR) return "Socket= path goes through a symlink";
  }
  const status = linkStatus(socket);
  if (!status) return "Socket= does not exist";
  if (status.type !== FileType.S_IFSOCK) return "Socket= is not a socket";
  if (status.uid !== request.ownerUid) {
    return `Socket= is owned by uid ${status.uid}, not by the ask file's owner uid ${request.ownerUid}`;
  }
  return undefined;
}
