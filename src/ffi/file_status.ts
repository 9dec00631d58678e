/**
 * File status through libc: fstat(2) on a descriptor, lstat(2) on a path,
 * decoded into the parts of `struct stat` askpw looks at.
 *
 * @module
 */
import { cString } from "./c_string.ts";
import { check, Errno, lastErrno, SystemCallError } from "./errno.ts";
import { libc } from "./libc.ts";

/** File type bits of `st_mode`. */
export const FileType = {
  S_IFMT: 0o170000,
  S_IFSOCK: 0o140000,
  S_IFLNK: 0o120000,
  S_IFREG: 0o100000,
  S_IFDIR: 0o040000,
  S_IFCHR: 0o020000,
  S_IFIFO: 0o010000,
} as const;

/** The parts of `struct stat` askpw looks at. */
export interface FileStatus {
  /** Device number of the file system. */
  dev: bigint;
  /** Inode number. */
  ino: bigint;
  /** Full `st_mode`: type and permission bits. */
  mode: number;
  /** Owner user id. */
  uid: number;
  /** Size in bytes. */
  size: number;
  /** Device number for character/block devices. */
  rdev: bigint;
  /** Type bits only (`mode & S_IFMT`). */
  type: number;
}

const STAT_SIZE = 144;

function decodeStat(buffer: Uint8Array<ArrayBuffer>): FileStatus {
  const view = new DataView(buffer.buffer);
  const mode = view.getUint32(24, true);
  return {
    dev: view.getBigUint64(0, true),
    ino: view.getBigUint64(8, true),
    mode,
    uid: view.getUint32(28, true),
    rdev: view.getBigUint64(40, true),
    size: Number(view.getBigInt64(48, true)),
    type: mode & FileType.S_IFMT,
  };
}

/**
 * fstat(2) on an open descriptor.
 *
 * @example Usage
 * ```ts
 * import { fileStatus } from "./file_status.ts";
 * fileStatus(0).type;
 * ```
 * @param fd The descriptor.
 * @returns Its status.
 * @throws {SystemCallError} When fstat fails.
 */
export function fileStatus(fd: number): FileStatus {
  const buffer = new Uint8Array(STAT_SIZE);
  check("fstat", libc.symbols.fstat(fd, buffer));
  return decodeStat(buffer);
}

/**
 * lstat(2): the status of `path` itself, not of a symlink's target.
 *
 * @example Usage
 * ```ts
 * import { linkStatus } from "./file_status.ts";
 * linkStatus("/run")?.type;
 * ```
 * @param path The path.
 * @returns Its status, or `undefined` when it does not exist.
 * @throws {SystemCallError} On errors other than ENOENT/ENOTDIR.
 */
export function linkStatus(path: string): FileStatus | undefined {
  const buffer = new Uint8Array(STAT_SIZE);
  if (libc.symbols.lstat(cString(path), buffer) < 0) {
    const errno = lastErrno();
    if (errno === Errno.ENOENT || errno === Errno.ENOTDIR) return undefined;
    throw new SystemCallError("lstat", errno, path);
  }
  return decodeStat(buffer);
}
