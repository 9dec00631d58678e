/**
 * inotify(7): the kernel tells us when ask files appear or vanish.
 *
 * @module
 */
import { cString } from "./c_string.ts";
import { DescriptorFlags } from "./descriptor_flags.ts";
import { closeFd, readFd } from "./file_descriptor.ts";
import { check } from "./errno.ts";
import { libc } from "./libc.ts";

/** inotify event bits. */
export const InotifyMask = {
  IN_ATTRIB: 0x4,
  IN_CLOSE_WRITE: 0x8,
  IN_MOVED_FROM: 0x40,
  IN_MOVED_TO: 0x80,
  IN_CREATE: 0x100,
  IN_DELETE: 0x200,
  IN_DELETE_SELF: 0x400,
  IN_MOVE_SELF: 0x800,
  IN_UNMOUNT: 0x2000,
  IN_Q_OVERFLOW: 0x4000,
  IN_IGNORED: 0x8000,
  IN_ONLYDIR: 0x01000000,
  IN_MASK_ADD: 0x20000000,
} as const;

const decoder = new TextDecoder();

/** One inotify event. */
export interface InotifyEvent {
  /** Watch descriptor it belongs to (-1 for a queue overflow). */
  wd: number;
  /** Event bits. */
  mask: number;
  /** File name inside the watched directory, `""` for the directory itself. */
  name: string;
}

/** An inotify instance: non-blocking, close-on-exec. */
export class Inotify implements Disposable {
  /** The inotify descriptor, for polling. */
  readonly fd: number;
  #buffer = new Uint8Array(65536);

  /**
   * Creates the instance.
   *
   * @example Usage
   * ```ts
   * import { Inotify } from "./inotify.ts";
   * using watch = new Inotify();
   * ```
   * @throws {SystemCallError} When inotify_init1 fails.
   */
  constructor() {
    this.fd = check(
      "inotify_init1",
      libc.symbols.inotify_init1(DescriptorFlags.NONBLOCK | DescriptorFlags.CLOEXEC),
    );
  }

  /**
   * Watches `path` for the events in `mask`.
   *
   * @example Usage
   * ```ts
   * import { Inotify, InotifyMask } from "./inotify.ts";
   * using watch = new Inotify();
   * watch.add("/tmp", InotifyMask.IN_MOVED_TO | InotifyMask.IN_ONLYDIR);
   * ```
   * @param path File or directory.
   * @param mask `InotifyMask` bits.
   * @returns The watch descriptor.
   * @throws {SystemCallError} When inotify_add_watch fails.
   */
  add(path: string, mask: number): number {
    return check(
      "inotify_add_watch",
      libc.symbols.inotify_add_watch(this.fd, cString(path), mask),
      path,
    );
  }

  /**
   * Stops a watch; one already gone (its directory was removed) is no error.
   *
   * @example Usage
   * ```ts
   * import { Inotify, InotifyMask } from "./inotify.ts";
   * using watch = new Inotify();
   * watch.remove(watch.add("/tmp", InotifyMask.IN_MOVED_TO));
   * ```
   * @param wd The watch descriptor.
   */
  remove(wd: number): void {
    libc.symbols.inotify_rm_watch(this.fd, wd);
  }

  /**
   * Reads the queued events without blocking: at most `maxReads` reads of
   * 64 KiB (≥ 2,000 events), so a directory written to without pause cannot
   * hold the caller here; the rest stays queued (the descriptor stays readable).
   *
   * @example Usage
   * ```ts
   * import { Inotify } from "./inotify.ts";
   * using watch = new Inotify();
   * watch.drain(); // []
   * ```
   * @param maxReads Most reads this call (default 16).
   * @returns The events, oldest first.
   * @throws {SystemCallError} When read fails.
   */
  drain(maxReads = 16): InotifyEvent[] {
    const events: InotifyEvent[] = [];
    for (let reads = 0; reads < maxReads; reads++) {
      const n = readFd(this.fd, this.#buffer);
      if (n === null || n === 0) return events;
      const view = new DataView(this.#buffer.buffer, 0, n);
      let offset = 0;
      while (offset + 16 <= n) {
        const wd = view.getInt32(offset, true);
        const mask = view.getUint32(offset + 4, true);
        const length = view.getUint32(offset + 12, true);
        const raw = this.#buffer.subarray(offset + 16, offset + 16 + length);
        const end = raw.indexOf(0);
        events.push({ wd, mask, name: decoder.decode(end < 0 ? raw : raw.subarray(0, end)) });
        offset += 16 + length;
      }
    }
    return events;
  }

  /** Closes the descriptor. */
  [Symbol.dispose](): void {
    closeFd(this.fd);
  }
}
