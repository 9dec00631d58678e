/**
 * errno handling: every failing libc call becomes a {@linkcode SystemCallError}
 * that names the call and the errno.
 *
 * @module
 */
import { libc } from "./libc.ts";

/** errno values askpw reacts to. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  ENOTDIR: 20,
  EINVAL: 22,
  ENOTTY: 25,
  ELOOP: 40,
  ENOSYS: 38,
  ENOPROTOOPT: 92,
  EEXIST: 17,
  ENOKEY: 126,
  EKEYEXPIRED: 127,
  ECONNREFUSED: 111,
} as const;

/** Error raised when a libc call fails; carries the call name and errno. */
export class SystemCallError extends Error {
  /** Name of the failing call, e.g. `"sendto"`. */
  readonly call: string;
  /** The errno value. */
  readonly errno: number;
  /** The errno's symbolic name, e.g. `"ENOENT"`. */
  readonly code: string;

  /**
   * Creates the error for `call` failing with `errno`.
   *
   * @example Usage
   * ```ts
   * import { SystemCallError } from "./errno.ts";
   * const error = new SystemCallError("open", 2);
   * console.log(error.message); // "open: ENOENT (No such file or directory)"
   * ```
   * @param call Name of the failing call.
   * @param errno The errno value.
   * @param detail Extra context (never a secret), appended to the message.
   */
  constructor(call: string, errno: number, detail?: string) {
    const code = errnoName(errno);
    super(`${call}${detail ? ` ${detail}` : ""}: ${code} (${errnoText(errno)})`);
    this.name = "SystemCallError";
    this.call = call;
    this.errno = errno;
    this.code = code;
  }
}

/**
 * Reads the calling thread's errno; call it right after the failed call.
 *
 * @example Usage
 * ```ts
 * import { lastErrno } from "./errno.ts";
 * const errno: number = lastErrno();
 * ```
 * @returns The current errno.
 */
export function lastErrno(): number {
  const pointer = libc.symbols.__errno_location();
  return pointer === null ? 0 : new Deno.UnsafePointerView(pointer).getInt32();
}

/**
 * Returns `result` when it is not negative, otherwise throws a
 * {@linkcode SystemCallError} for `call` with the current errno.
 *
 * @example Usage
 * ```ts
 * import { check } from "./errno.ts";
 * const fd = check("dup", 3);
 * ```
 * @param call Name of the call, for the error message.
 * @param result The call's return value.
 * @param detail Extra context (never a secret) for the error message.
 * @returns `result`, as a number.
 * @throws {SystemCallError} When `result` is negative.
 */
export function check(call: string, result: number | bigint, detail?: string): number {
  const value = Number(result);
  if (value < 0) throw new SystemCallError(call, lastErrno(), detail);
  return value;
}

function errnoName(errno: number): string {
  const pointer = libc.symbols.strerrorname_np(errno);
  return pointer === null ? `errno ${errno}` : Deno.UnsafePointerView.getCString(pointer);
}

function errnoText(errno: number): string {
  const pointer = libc.symbols.strerror(errno);
  return pointer === null ? "unknown error" : Deno.UnsafePointerView.getCString(pointer);
}
