/**
 * pidfs inode IDs (Linux 6.9+): a 64-bit number that names a process for
 * its whole life and is never reused, unlike a PID. systemd 258 passes them
 * as `$MAINPIDFDID`/`$MANAGERPIDFDID`; askpw shows them for askers.
 *
 * @module
 */
import { cString } from "./c_string.ts";
import { libc } from "./libc.ts";

const PID_FS_MAGIC = 0x50494446n;
const AT_EMPTY_PATH = 0x1000;
const STATFS_SIZE = 120;
const STAT_SIZE = 144;

/**
 * The pidfs inode ID of the process behind `pidfd`, as systemd computes it:
 * only when the pidfd lives on pidfs (fstatfs f_type PID_FS_MAGIC); the
 * first 8 bytes of its file handle (Linux 6.14+), else its inode number.
 *
 * @example Usage
 * ```ts
 * import { pidfsInodeId } from "./pidfs.ts";
 * import { openPidfd } from "./process.ts";
 * const id = pidfsInodeId(openPidfd(Deno.pid)!); // undefined before Linux 6.9
 * ```
 * @param pidfd A pidfd.
 * @returns The ID, or `undefined` when the kernel has no pidfs.
 */
export function pidfsInodeId(pidfd: number): bigint | undefined {
  const statfs = new Uint8Array(STATFS_SIZE);
  if (libc.symbols.fstatfs(pidfd, statfs) !== 0) return undefined;
  const type = new DataView(statfs.buffer).getBigInt64(0, true);
  if (type !== PID_FS_MAGIC) return undefined;
  // struct file_handle: u32 handle_bytes, i32 handle_type, unsigned char f_handle[].
  const handle = new Uint8Array(8 + 64);
  const view = new DataView(handle.buffer);
  view.setUint32(0, 64, true);
  const mountId = new Uint8Array(4);
  if (libc.symbols.name_to_handle_at(pidfd, cString(""), handle, mountId, AT_EMPTY_PATH) === 0) {
    if (view.getUint32(0, true) >= 8) return view.getBigUint64(8, true);
  }
  const stat = new Uint8Array(STAT_SIZE);
  if (libc.symbols.fstat(pidfd, stat) !== 0) return undefined;
  return new DataView(stat.buffer).getBigUint64(8, true); // st_ino
}
