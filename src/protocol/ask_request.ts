/**
 * One password request: an ask file read safely and parsed.
 *
 * @module
 */
import { closeFd, openFile, OpenFlags, readFd } from "../ffi/file_descriptor.ts";
import { fileStatus, FileType } from "../ffi/file_status.ts";
import { SystemCallError } from "../ffi/errno.ts";
import type { AskDirectory } from "./ask_directory.ts";
import { type AskFileFields, parseAskFile } from "./parse_ask_file.ts";

/** A parsed, usable request. */
export interface AskRequest extends AskFileFields {
  /** Absolute path of the ask file. */
  path: string;
  /** File name, e.g. `ask.14028617520318465327`. */
  name: string;
  /** The directory it is in. */
  directory: AskDirectory;
  /** Identity across rescans: device, inode and path. */
  key: string;
  /** Owner of the ask file. */
  ownerUid: number;
  /** The reply socket (present on every usable request). */
  socket: string;
}

/** The result of reading an ask file. */
export type ReadAskResult =
  | { ok: true; request: AskRequest }
  | { ok: false; key: string; reason: string };

/**
 * systemd's askers write a few hundred bytes. systemd's agent reads lines of
 * up to 1 MiB; askpw refuses files over 64 KiB before reading them, so a
 * flood of huge files costs neither memory nor time.
 */
export const MAX_ASK_FILE_SIZE = 64 * 1024;

/**
 * Reads and parses `directory/name`: opened with O_NOFOLLOW|O_NONBLOCK (a
 * symlink fails, a FIFO cannot block us), must be a regular file owned by
 * the directory's owner, and must name a reply socket.
 *
 * @example Usage
 * ```ts
 * import { readAskRequest } from "./ask_request.ts";
 * const result = readAskRequest(
 *   { path: "/run/systemd/ask-password", ownerUid: 0, kind: "system" },
 *   "ask.example",
 * );
 * if (!result.ok) console.log(result.reason);
 * ```
 * @param directory The directory the file is in.
 * @param name The file name.
 * @returns The request, or why it is not one (never including file content).
 */
export function readAskRequest(directory: AskDirectory, name: string): ReadAskResult {
  const path = `${directory.path}/${name}`;
  let fd: number;
  try {
    fd = openFile(
      path,
      OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_NONBLOCK | OpenFlags.O_NOCTTY |
        OpenFlags.O_CLOEXEC,
    );
  } catch (error) {
    const reason = error instanceof SystemCallError && error.code === "ELOOP"
      ? "it is a symbolic link"
      : `cannot open it (${errorCode(error)})`;
    return { ok: false, key: `?:${path}`, reason };
  }
  try {
    const status = fileStatus(fd);
    const key = `${status.dev}:${status.ino}:${path}`;
    if (status.type !== FileType.S_IFREG) return { ok: false, key, reason: "not a regular file" };
    if (status.uid !== directory.ownerUid) {
      return {
        ok: false,
        key,
        reason: `owned by uid ${status.uid}, not by uid ${directory.ownerUid}`,
      };
    }
    if (status.size > MAX_ASK_FILE_SIZE) {
      return {
        ok: false,
        key,
        reason: `too large (${status.size} bytes, at most ${MAX_ASK_FILE_SIZE})`,
      };
    }
    const content = readIntoSharedBuffer(fd);
    if (content === undefined) {
      return { ok: false, key, reason: `too large (more than ${MAX_ASK_FILE_SIZE} bytes)` };
    }
    let fields: AskFileFields;
    try {
      fields = parseAskFile(content);
    } catch (error) {
      return { ok: false, key, reason: `malformed: ${errorText(error)}` };
    }
    if (fields.socket === undefined) return { ok: false, key, reason: "no usable Socket=" };
    return {
      ok: true,
      request: {
        ...fields,
        socket: fields.socket,
        path,
        name,
        directory,
        key,
        ownerUid: status.uid,
      },
    };
  } catch (error) {
    return { ok: false, key: `?:${path}`, reason: `cannot read it (${errorCode(error)})` };
  } finally {
    closeFd(fd);
  }
}

/**
 * Every ask file is read into this one buffer and parsed from it (the parser
 * keeps nothing of it but strings): a flood of files allocates no memory for
 * their bytes, which the C allocator would keep after they are freed.
 */
const sharedBuffer = new Uint8Array(MAX_ASK_FILE_SIZE + 1);

/** The file's bytes (a view of the shared buffer), or `undefined` when it holds more than the limit. */
function readIntoSharedBuffer(fd: number): Uint8Array | undefined {
  let filled = 0;
  while (filled < sharedBuffer.length) {
    const count = readFd(fd, sharedBuffer.subarray(filled));
    if (count === null || count === 0) break;
    filled += count;
  }
  return filled > MAX_ASK_FILE_SIZE ? undefined : sharedBuffer.subarray(0, filled);
}

function errorCode(error: unknown): string {
  return error instanceof SystemCallError ? error.code : errorText(error);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
