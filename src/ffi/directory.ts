/**
 * Directory listings through getdents64(2), for directories Deno's own API
 * keeps from a program without `--allow-all` (/proc).
 *
 * @module
 */
import { check } from "./errno.ts";
import { closeFd, openFile, OpenFlags } from "./file_descriptor.ts";
import { libc } from "./libc.ts";

/** `struct linux_dirent64`: d_ino u64, d_off s64, d_reclen u16, d_type u8, then the name. */
const RECORD_LENGTH_OFFSET = 16;
const NAME_OFFSET = 19;

/**
 * The names in the directory at `path`, without `.` and `..`.
 *
 * @example Usage
 * ```ts
 * import { listDirectory } from "./directory.ts";
 * const pids = listDirectory("/proc").filter((name) => /^\d+$/.test(name));
 * ```
 * @param path The directory.
 * @returns The names, in the order the file system gives them.
 * @throws {SystemCallError} When it cannot be opened or read.
 */
export function listDirectory(path: string): string[] {
  const fd = openFile(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC);
  const names: string[] = [];
  const buffer = new Uint8Array(32 * 1024);
  const view = new DataView(buffer.buffer);
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const count = check(
        "getdents64",
        libc.symbols.getdents64(fd, buffer, BigInt(buffer.length)),
        path,
      );
      if (count === 0) return names;
      for (let offset = 0; offset < count;) {
        const length = view.getUint16(offset + RECORD_LENGTH_OFFSET, true);
        const start = offset + NAME_OFFSET;
        const end = buffer.indexOf(0, start);
        const name = decoder.decode(buffer.subarray(start, end < 0 ? offset + length : end));
        if (name !== "." && name !== "..") names.push(name);
        offset += length;
      }
    }
  } finally {
    closeFd(fd);
  }
}
