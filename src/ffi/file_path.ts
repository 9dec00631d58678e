/**
 * Paths through libc, for what Deno's API lacks or refuses short of
 * --allow-all (/dev, /sys, /proc): exists, read a small file, readlink,
 * realpath, rename without replacing, remove, touch, and the umask while a
 * file is created.
 *
 * @module
 */
import { cString } from "./c_string.ts";
import { Errno, lastErrno, SystemCallError } from "./errno.ts";
import { closeFd, openFile, OpenFlags, readAllFromFd } from "./file_descriptor.ts";
import { libc } from "./libc.ts";

/**
 * Tells whether `path` exists (access(2) with F_OK), without Deno's
 * permission layer, which refuses /dev and /sys paths short of --allow-all.
 *
 * @example Usage
 * ```ts
 * import { pathExists } from "./file_path.ts";
 * pathExists("/dev/console");
 * ```
 * @param path The path.
 * @returns Whether it exists.
 */
export function pathExists(path: string): boolean {
  return libc.symbols.access(cString(path), 0) === 0;
}

/**
 * Reads a small file completely through libc (for /sys and /proc, which
 * Deno's file API refuses short of --allow-all).
 *
 * @example Usage
 * ```ts
 * import { readSmallFile } from "./file_path.ts";
 * readSmallFile("/sys/class/tty/console/active");
 * ```
 * @param path The file.
 * @param limit Largest size accepted.
 * @returns The contents.
 * @throws {SystemCallError} When it cannot be opened or read.
 * @throws {RangeError} When it is larger than `limit`.
 */
export function readSmallFile(path: string, limit = 65536): Uint8Array {
  const fd = openFile(path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK);
  try {
    return readAllFromFd(fd, limit);
  } finally {
    closeFd(fd);
  }
}

/**
 * readlink(2): the target of a symbolic link (for /proc/<pid>/fd entries,
 * which Deno's API refuses short of --allow-all).
 *
 * @example Usage
 * ```ts
 * import { linkTarget } from "./file_path.ts";
 * linkTarget("/proc/self/fd/0"); // e.g. "/dev/pts/0"
 * ```
 * @param path The link.
 * @returns Its target, or `undefined` when it is no link or does not exist.
 */
export function linkTarget(path: string): string | undefined {
  const buffer = new Uint8Array(4096);
  const count = Number(libc.symbols.readlink(cString(path), buffer, BigInt(buffer.length)));
  if (count < 0) return undefined;
  return new TextDecoder().decode(buffer.subarray(0, count));
}

const RENAME_NOREPLACE = 1;
const AT_FDCWD = -100;

/**
 * Renames `from` to `to` unless `to` exists (renameat2 RENAME_NOREPLACE), so
 * a file appears under its final name complete and never replaces another.
 *
 * @example Usage
 * ```ts
 * import { renameNoReplace } from "./file_path.ts";
 * renameNoReplace("/tmp/a.tmp", "/tmp/a"); // false when /tmp/a exists
 * ```
 * @param from The current path.
 * @param to The new path.
 * @returns Whether it was renamed; false when `to` exists (EEXIST).
 * @throws {SystemCallError} On other errors.
 */
export function renameNoReplace(from: string, to: string): boolean {
  const result = libc.symbols.renameat2(
    AT_FDCWD,
    cString(from),
    AT_FDCWD,
    cString(to),
    RENAME_NOREPLACE,
  );
  if (result === 0) return true;
  const errno = lastErrno();
  if (errno === Errno.EEXIST) return false;
  throw new SystemCallError("renameat2", errno, to);
}

/**
 * Removes a file; one already gone is no error.
 *
 * @example Usage
 * ```ts
 * import { removeFile } from "./file_path.ts";
 * removeFile("/tmp/askpw-nothing-here");
 * ```
 * @param path The file.
 */
export function removeFile(path: string): void {
  libc.symbols.unlink(cString(path));
}

/**
 * Sets a file's times to now (as touch(1)); askers touch the ask directory
 * after pushing a password to the kernel keyring, so that waiting askers
 * look there again.
 *
 * @example Usage
 * ```ts
 * import { touch } from "./file_path.ts";
 * touch("/tmp");
 * ```
 * @param path The file or directory.
 * @returns Whether it worked.
 */
export function touch(path: string): boolean {
  return libc.symbols.utimensat(AT_FDCWD, cString(path), null, 0) === 0;
}

/**
 * Runs `action` with the process umask set to `mask` (bind(2) creates a
 * socket file with the umask's permissions, and there is no fchmod for one
 * before it exists).
 *
 * @example Usage
 * ```ts
 * import { withUmask } from "./file_path.ts";
 * withUmask(0o177, () => {});
 * ```
 * @param mask The umask while `action` runs.
 * @param action What to run.
 * @returns What `action` returns.
 */
export function withUmask<T>(mask: number, action: () => T): T {
  const previous = libc.symbols.umask(mask);
  try {
    return action();
  } finally {
    libc.symbols.umask(previous);
  }
}

/**
 * realpath(3): `path` with every symlink resolved (for /dev/disk/by-… links,
 * which Deno's API refuses short of --allow-all).
 *
 * @example Usage
 * ```ts
 * import { resolvePath } from "./file_path.ts";
 * resolvePath("/dev/stdin");
 * ```
 * @param path The path.
 * @returns The resolved path, or `undefined` when it does not resolve.
 */
export function resolvePath(path: string): string | undefined {
  const buffer = new Uint8Array(4096);
  if (libc.symbols.realpath(cString(path), buffer) === null) return undefined;
  return new TextDecoder().decode(buffer.subarray(0, buffer.indexOf(0)));
}
