/**
 * Following the watched directories: what the directory watcher reports
 * (a file arrived or went, a directory to read again after a lost event or
 * its return, a directory removed) handed to intake, and which directories
 * are missing, so that their return is logged.
 *
 * @module
 */
import { monotonicMicros } from "../ffi/clock.ts";
import type { Logger } from "../log/log.ts";
import type { LogRateLimit } from "../log/log_rate_limit.ts";
import type { AskDirectory } from "../protocol/ask_directory.ts";
import type { AskDirectoryChange, AskDirectoryWatcher } from "../request/ask_watcher.ts";
import type { AskIntake } from "./ask_intake.ts";

/**
 * Hands the directory watcher's reports to intake.
 *
 * @example Usage
 * ```ts
 * import { AskDirectoryFollower } from "./ask_directory_follower.ts";
 * import type { AskIntake } from "./ask_intake.ts";
 * import { AskDirectoryWatcher } from "../request/ask_watcher.ts";
 * import { createLogger } from "../log/log.ts";
 * import { LogRateLimit } from "../log/log_rate_limit.ts";
 * import { Reactor } from "../reactor/reactor.ts";
 * const intake = {} as AskIntake;
 * await using reactor = new Reactor();
 * const log = createLogger();
 * using limited = new LogRateLimit(log);
 * const follower = new AskDirectoryFollower(intake, log, limited);
 * const directories = [{ path: "/run/systemd/ask-password", ownerUid: 0, kind: "system" } as const];
 * using watcher = new AskDirectoryWatcher(directories, reactor, (changes) => follower.take(changes));
 * follower.readAll(directories, watcher);
 * ```
 */
export class AskDirectoryFollower {
  #intake: AskIntake;
  #log: Logger;
  #limited: LogRateLimit;
  /** Directories removed and not back yet. */
  #lost = new Set<string>();

  /**
   * Creates the follower.
   *
   * @example Usage
   * ```ts
   * import { AskDirectoryFollower } from "./ask_directory_follower.ts";
   * import type { AskIntake } from "./ask_intake.ts";
   * import { createLogger } from "../log/log.ts";
   * import { LogRateLimit } from "../log/log_rate_limit.ts";
   * const intake = {} as AskIntake;
   * const log = createLogger();
   * const follower = new AskDirectoryFollower(intake, log, new LogRateLimit(log));
   * ```
   * @param intake Where files and directories are handed.
   * @param log Where directories going and coming back are logged.
   * @param limited Where inotify overflows are logged.
   */
  constructor(intake: AskIntake, log: Logger, limited: LogRateLimit) {
    this.#intake = intake;
    this.#log = log;
    this.#limited = limited;
  }

  /**
   * Reads the directories the watcher watches; waits for the others.
   *
   * @example Usage
   * ```ts
   * const follower = {} as import("./ask_directory_follower.ts").AskDirectoryFollower;
   * const watcher = {} as import("../request/ask_watcher.ts").AskDirectoryWatcher;
   * follower.readAll([{ path: "/run/systemd/ask-password", ownerUid: 0, kind: "system" }], watcher);
   * ```
   * @param directories The directories to read.
   * @param watcher The watcher that says which of them exist.
   */
  readAll(directories: readonly AskDirectory[], watcher: AskDirectoryWatcher): void {
    for (const directory of directories) {
      if (watcher.isWatching(directory)) this.#intake.rescan(directory);
      else {
        this.#lost.add(directory.path);
        this.#log.warning(`${directory.path} does not exist yet; waiting for it`);
      }
    }
  }

  /**
   * Takes what the directory watcher reports: new files, files gone,
   * directories to read again or lost.
   *
   * @example Usage
   * ```ts
   * const follower = {} as import("./ask_directory_follower.ts").AskDirectoryFollower;
   * follower.take([]);
   * ```
   * @param changes The watcher's batch.
   */
  take(changes: AskDirectoryChange[]): void {
    const now = monotonicMicros();
    for (const change of changes) {
      const { directory } = change;
      switch (change.kind) {
        case "arrived":
          this.#intake.arrived(directory, change.name, now);
          break;
        case "departed":
          this.#intake.departed(`${directory.path}/${change.name}`);
          break;
        case "rescan":
          if (this.#lost.delete(directory.path)) {
            this.#log.notice(`${directory.path} is back; watching it again`);
          }
          if (change.overflow) {
            const text = `The kernel's inotify queue overflowed; reading ${directory.path} again`;
            this.#limited.log("notice", "inotify overflow", text);
          }
          this.#intake.rescan(directory);
          break;
        case "lost":
          this.#lost.add(directory.path);
          this.#log.warning(`${directory.path} was removed; watching for it to come back`);
          this.#intake.lost(directory);
          break;
      }
    }
  }
}
