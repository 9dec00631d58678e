/**
 * Wakes the agent whenever something changes in the ask directories.
 *
 * @module
 */
import { Inotify, InotifyMask } from "../ffi/inotify.ts";
import { waitForEvents } from "../ffi/poll.ts";
import type { AskDirectory } from "./ask_directory.ts";

// Unlike systemd (CLOSE_WRITE|MOVED_TO only) we also watch removals, so a
// request that vanishes withdraws its prompts on every surface at once.
const DIRECTORY_MASK = InotifyMask.IN_CLOSE_WRITE | InotifyMask.IN_MOVED_TO |
  InotifyMask.IN_MOVED_FROM | InotifyMask.IN_DELETE | InotifyMask.IN_ONLYDIR;

/** inotify on the ask directories; each wake-up means "rescan everything". */
export class AskDirectoryWatcher implements Disposable {
  #inotify = new Inotify();

  /**
   * Starts watching `directories`.
   *
   * @example Usage
   * ```ts
   * import { AskDirectoryWatcher } from "./ask_watcher.ts";
   * using watcher = new AskDirectoryWatcher([
   *   { path: "/run/systemd/ask-password", ownerUid: 0, kind: "system" },
   * ]);
   * ```
   * @param directories The directories.
   * @throws {SystemCallError} When a watch cannot be added.
   */
  constructor(directories: readonly AskDirectory[]) {
    for (const directory of directories) this.#inotify.add(directory.path, DIRECTORY_MASK);
  }

  /**
   * Waits for the next change (or a queue overflow, which also means rescan).
   *
   * @example Usage
   * ```ts
   * import { AskDirectoryWatcher } from "./ask_watcher.ts";
   * using watcher = new AskDirectoryWatcher([]);
   * await watcher.changed(AbortSignal.timeout(10));
   * ```
   * @param signal Ends the wait early.
   * @returns Whether anything changed (false when `signal` aborted).
   */
  async changed(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (this.#inotify.drain().length > 0) return true;
      await waitForEvents([{ fd: this.#inotify.fd }], -1, signal);
      if (signal.aborted) return false;
    }
  }

  /** Stops watching. */
  [Symbol.dispose](): void {
    this.#inotify[Symbol.dispose]();
  }
}
