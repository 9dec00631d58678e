/**
 * What askpw tells the service manager (sd_notify: READY=1, STATUS=,
 * STOPPING=1) and what it checks of what the manager told it: systemd 258
 * passes the pidfs IDs of the unit's main process and of the manager
 * (`$MAINPIDFDID`, `$MANAGERPIDFDID`) beside their PIDs, so that a PID that
 * was reused in between gives itself away.
 *
 * @module
 */
import { closeFd } from "../ffi/file_descriptor.ts";
import { notifyServiceManager } from "../ffi/notify.ts";
import { pidfsInodeId } from "../ffi/pidfs.ts";
import { openPidfd } from "../ffi/process.ts";
import type { Logger } from "../log/log.ts";

/**
 * Sends `state` to `$NOTIFY_SOCKET`; a failure is logged, never fatal.
 *
 * @example Usage
 * ```ts
 * import { notify } from "./service_manager.ts";
 * import { createLogger } from "../log/log.ts";
 * notify(createLogger(), "STATUS=Waiting for password requests");
 * ```
 * @param log Where a failure goes.
 * @param state `KEY=VALUE` lines.
 */
export function notify(log: Logger, state: string): void {
  try {
    notifyServiceManager(state);
  } catch (error) {
    log.warning(`sd_notify failed: ${(error as Error).message}`);
  }
}

/** What checking one pidfs ID variable found. */
export type PidfdIdCheck =
  /** The variable is not set. */
  | { kind: "unset" }
  /** The PID's pidfs ID is the one given. */
  | { kind: "match"; pid: number; id: bigint }
  /** It is not: the PID names another process now (or the variables are wrong). */
  | { kind: "mismatch"; pid: number; expected: string; actual: string }
  /** It cannot be checked (no pidfs, no such process, a malformed value). */
  | { kind: "unchecked"; reason: string };

/**
 * Checks `$<idVariable>` against a pidfd of `$<pidVariable>`, as systemd's
 * pidref verification does.
 *
 * @example Usage
 * ```ts
 * import { checkPidfdId } from "./service_manager.ts";
 * checkPidfdId("MAINPID", "MAINPIDFDID"); // { kind: "unset" } outside systemd 258
 * ```
 * @param pidVariable `MAINPID` or `MANAGERPID`.
 * @param idVariable `MAINPIDFDID` or `MANAGERPIDFDID`.
 * @returns What was found.
 */
export function checkPidfdId(pidVariable: string, idVariable: string): PidfdIdCheck {
  const expected = Deno.env.get(idVariable);
  if (expected === undefined) return { kind: "unset" };
  const pidText = Deno.env.get(pidVariable);
  const pid = Number(pidText);
  if (!pidText || !Number.isInteger(pid) || pid <= 0) {
    return { kind: "unchecked", reason: `$${pidVariable} is not a PID` };
  }
  if (!/^\d+$/.test(expected)) {
    return { kind: "unchecked", reason: `$${idVariable} is not a number` };
  }
  let pidfd: number | undefined;
  try {
    pidfd = openPidfd(pid);
  } catch (error) {
    return { kind: "unchecked", reason: (error as Error).message };
  }
  if (pidfd === undefined) return { kind: "unchecked", reason: `PID ${pid} does not exist` };
  try {
    const id = pidfsInodeId(pidfd);
    if (id === undefined) return { kind: "unchecked", reason: "this kernel has no pidfs" };
    return id === BigInt(expected)
      ? { kind: "match", pid, id }
      : { kind: "mismatch", pid, expected, actual: id.toString() };
  } finally {
    closeFd(pidfd);
  }
}

/**
 * Checks `$MAINPIDFDID` and `$MANAGERPIDFDID` and logs the outcome: a
 * mismatch as a warning, a match as one info line (a per-user manager of
 * systemd 258+ sets `$MANAGERPIDFDID`), what could not be checked at debug
 * level (a system service's main process gets neither variable).
 *
 * @example Usage
 * ```ts
 * import { verifyManagerPidfdIds } from "./service_manager.ts";
 * import { createLogger } from "../log/log.ts";
 * verifyManagerPidfdIds(createLogger());
 * ```
 * @param log Where the outcome goes.
 */
export function verifyManagerPidfdIds(log: Logger): void {
  for (
    const [pidVariable, idVariable] of [["MAINPID", "MAINPIDFDID"], [
      "MANAGERPID",
      "MANAGERPIDFDID",
    ]]
  ) {
    const check = checkPidfdId(pidVariable, idVariable);
    switch (check.kind) {
      case "mismatch":
        log.warning(
          `$${idVariable}=${check.expected} does not match PID ${check.pid} (pidfs ID ${check.actual}): ` +
            `$${pidVariable} names another process now`,
        );
        break;
      case "match":
        log.info(`$${idVariable} verified: PID ${check.pid} has pidfs ID ${check.id}`);
        break;
      case "unchecked":
        log.debug(`$${idVariable} not verified: ${check.reason}`);
        break;
    }
  }
}
