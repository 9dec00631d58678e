/**
 * File descriptors through libc: open with flags Deno's API lacks
 * (`O_NOFOLLOW`, `O_NOCTTY`, `O_NONBLOCK`), read, write, stat.
 *
 * @module
 */
import { concatBytes } from "./concat_bytes.ts";
import { cString } from "./c_string.ts";
import { DescriptorFlags } from "./descriptor_flags.ts";
import { check, Errno, lastErrno, SystemCallError } from "./errno.ts";
import { libc } from "./libc.ts";

/** open(2) flags (x86_64). */
export const OpenFlags = {
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  O_NOCTTY: 0o400,
  O_NONBLOCK: DescriptorFlags.NONBLOCK,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  O_CLOEXEC: DescriptorFlags.CLOEXEC,
} as const;

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

/**
 * Opens `path` with raw open(2) flags.
 *
 * @example Usage
 * ```ts
 * import { closeFd, OpenFlags, openFile } from "./file.ts";
 * const fd = openFile("/dev/null", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
 * closeFd(fd);
 * ```
 * @param path The file to open.
 * @param flags `OpenFlags` bits.
 * @param mode Permission bits for a created file.
 * @returns The new file descriptor.
 * @throws {SystemCallError} When open(2) fails.
 */
export function openFile(path: string, flags: number, mode = 0): number {
  return check("open", libc.symbols.open(cString(path), flags, mode), path);
}

/**
 * Closes a file descriptor, ignoring errors (there is nothing to do about them).
 *
 * @example Usage
 * ```ts
 * import { closeFd } from "./file.ts";
 * closeFd(-1);
 * ```
 * @param fd The descriptor; negative values are ignored.
 */
export function closeFd(fd: number): void {
  if (fd >= 0) libc.symbols.close(fd);
}

/**
 * Reads up to `buffer.length` bytes.
 *
 * @example Usage
 * ```ts
 * import { closeFd, OpenFlags, openFile, readFd } from "./file.ts";
 * const fd = openFile("/dev/zero", OpenFlags.O_RDONLY);
 * readFd(fd, new Uint8Array(4)); // 4
 * closeFd(fd);
 * ```
 * @param fd The descriptor.
 * @param buffer Where the bytes go.
 * @returns The number of bytes read (0 at end of file), or `null` when the
 * descriptor is non-blocking and nothing is available (EAGAIN).
 * @throws {SystemCallError} On any other error (e.g. EIO after a hang-up).
 */
export function readFd(fd: number, buffer: Uint8Array<ArrayBuffer>): number | null {
  for (;;) {
    const n = Number(libc.symbols.read(fd, buffer, BigInt(buffer.length)));
    if (n >= 0) return n;
    const errno = lastErrno();
    if (errno === Errno.EINTR) continue;
    if (errno === Errno.EAGAIN) return null;
    throw new SystemCallError("read", errno);
  }
}

/**
 * Writes what a non-blocking descriptor takes now.
 *
 * @example Usage
 * ```ts
 * import { closeFd, OpenFlags, openFile, writeSome } from "./file.ts";
 * const fd = openFile("/dev/null", OpenFlags.O_WRONLY | OpenFlags.O_NONBLOCK);
 * writeSome(fd, new Uint8Array([1, 2])); // 2
 * closeFd(fd);
 * ```
 * @param fd The descriptor.
 * @param bytes What to write.
 * @returns The number of bytes written, or `null` when it takes none now (EAGAIN).
 * @throws {SystemCallError} On any other error (e.g. EIO after a hang-up).
 */
export function writeSome(fd: number, bytes: Uint8Array<ArrayBuffer>): number | null {
  for (;;) {
    const n = Number(libc.symbols.write(fd, bytes, BigInt(bytes.length)));
    if (n >= 0) return n;
    const errno = lastErrno();
    if (errno === Errno.EINTR) continue;
    if (errno === Errno.EAGAIN) return null;
    throw new SystemCallError("write", errno);
  }
}

/**
 * Writes all of `bytes`, waiting (poll) while a non-blocking descriptor is
 * full. For tests and tools: askpw itself never waits outside its reactor.
 *
 * @example Usage
 * ```ts
 * import { closeFd, OpenFlags, openFile, writeAll } from "./file.ts";
 * const fd = openFile("/dev/null", OpenFlags.O_WRONLY);
 * writeAll(fd, new Uint8Array([1, 2]));
 * closeFd(fd);
 * ```
 * @param fd The descriptor.
 * @param bytes What to write.
 * @throws {SystemCallError} When write(2) fails.
 */
export function writeAll(fd: number, bytes: Uint8Array<ArrayBuffer>): void {
  let offset = 0;
  let stalls = 0;
  while (offset < bytes.length) {
    const chunk = bytes.subarray(offset);
    const n = Number(libc.symbols.write(fd, chunk, BigInt(chunk.length)));
    if (n >= 0) {
      offset += n;
      continue;
    }
    const errno = lastErrno();
    if (errno === Errno.EINTR) continue;
    if (errno === Errno.EAGAIN && stalls++ < 50) {
      // A terminal whose output is stopped (Ctrl-S) or a slow serial line:
      // wait a little, but never forever.
      const pollfd = new Uint8Array(8);
      const view = new DataView(pollfd.buffer);
      view.setInt32(0, fd, true);
      view.setInt16(4, 0x4, true); // POLLOUT
      libc.symbols.poll(pollfd, 1n, 100);
      continue;
    }
    throw new SystemCallError("write", errno);
  }
}

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
 * import { fileStatus } from "./file.ts";
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
 * import { linkStatus } from "./file.ts";
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

/**
 * Tells whether `path` exists (access(2) with F_OK), without Deno's
 * permission layer, which refuses /dev and /sys paths short of --allow-all.
 *
 * @example Usage
 * ```ts
 * import { pathExists } from "./file.ts";
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
 * import { readSmallFile } from "./file.ts";
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
 * Reads `fd` until end of file.
 *
 * @example Usage
 * ```ts
 * import { closeFd, OpenFlags, openFile, readAllFromFd } from "./file.ts";
 * const fd = openFile("/etc/hostname", OpenFlags.O_RDONLY);
 * readAllFromFd(fd, 4096);
 * closeFd(fd);
 * ```
 * @param fd The descriptor (a regular file or a /sys attribute).
 * @param limit Largest size accepted.
 * @returns The bytes.
 * @throws {RangeError} When the file holds more than `limit` bytes.
 * @throws {SystemCallError} When read fails.
 */
export function readAllFromFd(fd: number, limit: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const chunk = new Uint8Array(16384);
  for (;;) {
    const n = readFd(fd, chunk);
    if (n === null || n === 0) break;
    total += n;
    if (total > limit) throw new RangeError(`File larger than ${limit} bytes`);
    chunks.push(chunk.slice(0, n));
  }
  return concatBytes(chunks);
}

/**
 * readlink(2): the target of a symbolic link (for /proc/<pid>/fd entries,
 * which Deno's API refuses short of --allow-all).
 *
 * @example Usage
 * ```ts
 * import { linkTarget } from "./file.ts";
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
 * import { renameNoReplace } from "./file.ts";
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
 * import { removeFile } from "./file.ts";
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
 * import { touch } from "./file.ts";
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
 * import { withUmask } from "./file.ts";
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
 * import { resolvePath } from "./file.ts";
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

const F_GETFL = 3;
const F_SETFL = 4;

/**
 * Makes `fd` non-blocking (a socket handed over by systemd is blocking).
 *
 * @example Usage
 * ```ts
 * import { setNonBlocking } from "./file.ts";
 * setNonBlocking(0);
 * ```
 * @param fd The descriptor.
 * @throws {SystemCallError} When fcntl fails.
 */
export function setNonBlocking(fd: number): void {
  const flags = check("fcntl(F_GETFL)", libc.symbols.fcntl(fd, F_GETFL, 0n));
  check("fcntl(F_SETFL)", libc.symbols.fcntl(fd, F_SETFL, BigInt(flags | OpenFlags.O_NONBLOCK)));
}
