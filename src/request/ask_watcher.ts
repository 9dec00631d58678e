/**
 * Tells the agent what changes in the ask directories, name by name, so a
 * new request costs one file read however many are pending (systemd's agent
 * rescans the whole directory on every event). A full rescan is asked for
 * only when the kernel's event queue overflowed.
 *
 * A directory that is removed (or unmounted) is not the end: the watcher
 * climbs to the nearest ancestor that exists, waits there for the path to
 * come back, and watches it again (systemd's agent stays blind for good).
 *
 * @module
 */
import { Errno, SystemCallError } from "../ffi/errno.ts";
import { FileType, linkStatus } from "../ffi/file_status.ts";
import { Inotify, type InotifyEvent, InotifyMask } from "../ffi/inotify.ts";
import { type Reactor, Readiness, type Watch } from "../reactor/reactor.ts";
import type { AskDirectory } from "../protocol/ask_directory.ts";

// Unlike systemd (CLOSE_WRITE|MOVED_TO only) we also watch removals, so a
// request that vanishes withdraws its prompts on every surface at once, and
// the directory itself going away.
const DIRECTORY_MASK = InotifyMask.IN_CLOSE_WRITE | InotifyMask.IN_MOVED_TO |
  InotifyMask.IN_MOVED_FROM | InotifyMask.IN_DELETE | InotifyMask.IN_DELETE_SELF |
  InotifyMask.IN_MOVE_SELF | InotifyMask.IN_ONLYDIR;
const ANCESTOR_MASK = InotifyMask.IN_CREATE | InotifyMask.IN_MOVED_TO |
  InotifyMask.IN_DELETE_SELF | InotifyMask.IN_MOVE_SELF | InotifyMask.IN_ONLYDIR |
  InotifyMask.IN_MASK_ADD;
const ARRIVED = InotifyMask.IN_CLOSE_WRITE | InotifyMask.IN_MOVED_TO;
const DEPARTED = InotifyMask.IN_DELETE | InotifyMask.IN_MOVED_FROM;
const GONE = InotifyMask.IN_DELETE_SELF | InotifyMask.IN_MOVE_SELF | InotifyMask.IN_IGNORED |
  InotifyMask.IN_UNMOUNT;

/** A change the agent acts on. */
export type AskDirectoryChange =
  /** `name` (an `ask.*` file) appeared or was rewritten. */
  | { kind: "arrived"; directory: AskDirectory; name: string }
  /** `name` was removed or renamed away. */
  | { kind: "departed"; directory: AskDirectory; name: string }
  /**
   * Events were lost (`overflow`: the kernel's queue, fs.inotify.max_queued_events,
   * overflowed), or the directory is (back) in place: read it whole.
   */
  | { kind: "rescan"; directory: AskDirectory; overflow?: boolean }
  /** The directory went away; it is watched for again. */
  | { kind: "lost"; directory: AskDirectory };

interface Purpose {
  directory: AskDirectory;
  /** Watching the directory itself, or an ancestor for the component `child`. */
  ancestor?: { path: string; child: string };
}

/** inotify on the ask directories, dispatched through the reactor. */
export class AskDirectoryWatcher implements Disposable {
  #inotify = new Inotify();
  #watch: Watch;
  #purposes = new Map<number, Purpose[]>();
  #watching = new Set<AskDirectory>();
  #onChanges: (changes: AskDirectoryChange[]) => void;

  /**
   * Starts watching `directories`; a directory that does not exist yet is
   * waited for.
   *
   * @example Usage
   * ```ts
   * import { AskDirectoryWatcher } from "./ask_watcher.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * await using reactor = new Reactor();
   * using watcher = new AskDirectoryWatcher(
   *   [{ path: "/run/systemd/ask-password", ownerUid: 0, kind: "system" }],
   *   reactor,
   *   (changes) => console.log(changes),
   * );
   * ```
   * @param directories The directories.
   * @param reactor The event loop the inotify descriptor joins.
   * @param onChanges Called with each batch of changes.
   * @throws {SystemCallError} When inotify cannot be set up.
   */
  constructor(
    directories: readonly AskDirectory[],
    reactor: Reactor,
    onChanges: (changes: AskDirectoryChange[]) => void,
  ) {
    this.#onChanges = onChanges;
    this.#watch = reactor.watch(this.#inotify.fd, Readiness.IN, () => this.#onReadable());
    for (const directory of directories) this.#follow(directory, []);
  }

  /**
   * Whether `directory` is watched right now (false while it is gone).
   *
   * @param directory One of the directories.
   * @returns Whether it is.
   */
  isWatching(directory: AskDirectory): boolean {
    return this.#watching.has(directory);
  }

  /** Stops watching. */
  [Symbol.dispose](): void {
    this.#watch.close();
    this.#inotify[Symbol.dispose]();
  }

  #onReadable(): void {
    const changes: AskDirectoryChange[] = [];
    for (const event of this.#inotify.drain()) this.#translate(event, changes);
    if (changes.length > 0) this.#onChanges(changes);
  }

  #translate(event: InotifyEvent, changes: AskDirectoryChange[]): void {
    if ((event.mask & InotifyMask.IN_Q_OVERFLOW) !== 0) {
      for (const directory of this.#watching) {
        changes.push({ kind: "rescan", directory, overflow: true });
      }
      return;
    }
    const purposes = this.#purposes.get(event.wd);
    if (!purposes) return;
    for (const purpose of [...purposes]) {
      const { directory, ancestor } = purpose;
      if (!ancestor) {
        if ((event.mask & GONE) !== 0) {
          this.#drop(event.wd, purpose, (event.mask & InotifyMask.IN_IGNORED) === 0);
          if (this.#watching.delete(directory)) changes.push({ kind: "lost", directory });
          this.#follow(directory, changes);
        } else if (event.name.startsWith("ask.")) {
          if ((event.mask & ARRIVED) !== 0) {
            changes.push({ kind: "arrived", directory, name: event.name });
          } else if ((event.mask & DEPARTED) !== 0) {
            changes.push({ kind: "departed", directory, name: event.name });
          }
        }
      } else if ((event.mask & GONE) !== 0 || event.name === ancestor.child) {
        // The ancestor went, or the next component came: look again from the top.
        this.#drop(event.wd, purpose, (event.mask & InotifyMask.IN_IGNORED) === 0);
        this.#follow(directory, changes);
      }
    }
  }

  /** Watches `directory` if it exists, else the nearest ancestor that does. */
  #follow(directory: AskDirectory, changes: AskDirectoryChange[]): void {
    for (let attempt = 0; attempt < 8; attempt++) {
      if (this.#tryWatchDirectory(directory)) {
        this.#watching.add(directory);
        changes.push({ kind: "rescan", directory });
        return;
      }
      const ancestor = nearestExistingAncestor(directory.path);
      if (!ancestor) return;
      try {
        const wd = this.#inotify.add(ancestor.path, ANCESTOR_MASK);
        this.#purposes.set(wd, [...(this.#purposes.get(wd) ?? []), { directory, ancestor }]);
      } catch {
        continue; // the ancestor vanished meanwhile: look again
      }
      // The component may have appeared between the check and the watch.
      const child = `${ancestor.path === "/" ? "" : ancestor.path}/${ancestor.child}`;
      if (linkStatus(child)?.type !== FileType.S_IFDIR) return;
    }
  }

  #tryWatchDirectory(directory: AskDirectory): boolean {
    try {
      const wd = this.#inotify.add(directory.path, DIRECTORY_MASK);
      this.#purposes.set(wd, [...(this.#purposes.get(wd) ?? []), { directory }]);
      return true;
    } catch (error) {
      if (
        error instanceof SystemCallError &&
        (error.errno === Errno.ENOENT || error.errno === Errno.ENOTDIR)
      ) return false;
      throw error;
    }
  }

  /** Forgets `purpose` of `wd`; removes the kernel watch when nothing else uses it. */
  #drop(wd: number, purpose: Purpose, stillInKernel: boolean): void {
    const rest = (this.#purposes.get(wd) ?? []).filter((other) => other !== purpose);
    if (rest.length > 0) {
      this.#purposes.set(wd, rest);
      return;
    }
    this.#purposes.delete(wd);
    if (stillInKernel) this.#inotify.remove(wd);
  }
}

/** The deepest existing directory above `path`, and the component below it that is missing. */
function nearestExistingAncestor(path: string): { path: string; child: string } | undefined {
  const parts = path.split("/").filter((part) => part !== "");
  for (let depth = parts.length - 1; depth >= 0; depth--) {
    const ancestor = "/" + parts.slice(0, depth).join("/");
    const status = linkStatus(ancestor);
    if (status?.type === FileType.S_IFDIR) return { path: ancestor, child: parts[depth] };
  }
  return undefined;
}
