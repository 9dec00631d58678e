/**
 * File descriptors through libc: open with flags Deno's API lacks
 * (`O_NOFOLLOW`, `O_NOCTTY`, `O_NONBLOCK`), read, write, close, and
 * non-blocking mode.
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

/**
 * Opens `path` with raw open(2) flags.
 *
 * @example Usage
 * ```ts
 * import { closeFd, OpenFlags, openFile } from "./file_descriptor.ts";
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
 * import { closeFd } from "./file_descriptor.ts";
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
 * import { closeFd, OpenFlags, openFile, readFd } from "./file_descriptor.ts";
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
 * import { closeFd, OpenFlags, openFile, writeSome } from "./file_descriptor.ts";
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
 * import { closeFd, OpenFlags, openFile, writeAll } from "./file_descriptor.ts";
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

/**
 * Reads `fd` until end of file.
 *
 * @example Usage
 * ```ts
 * import { closeFd, OpenFlags, openFile, readAllFromFd } from "./file_descriptor.ts";
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

const F_GETFL = 3;
const F_SETFL = 4;

/**
 * Makes `fd` non-blocking (a socket handed over by systemd is blocking).
 *
 * @example Usage
 * ```ts
 * import { setNonBlocking } from "./file_descriptor.ts";
 * setNonBlocking(0);
 * ```
 * @param fd The descriptor.
 * @throws {SystemCallError} When fcntl fails.
 */
export function setNonBlocking(fd: number): void {
  const flags = check("fcntl(F_GETFL)", libc.symbols.fcntl(fd, F_GETFL, 0n));
  check("fcntl(F_SETFL)", libc.symbols.fcntl(fd, F_SETFL, BigInt(flags | OpenFlags.O_NONBLOCK)));
}
