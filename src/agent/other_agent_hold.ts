/**
 * The grace period of `rd.askpw.delay=SEC`: a request that another agent
 * works on (clevis, for a disk whose LUKS2 header has a clevis token, while
 * `clevis-luks-askpass` runs) is held back from the prompts for SEC seconds,
 * so that a fleet's consoles stay quiet when Tang answers. It is shown at
 * once when that agent gives up (its process exits), and it leaves with its
 * ask file as any request does. One timer and one pidfd per held request,
 * only while it is held.
 *
 * @module
 */
import type { Logger } from "../log/log.ts";
import type { Reactor } from "../reactor/reactor.ts";
import { otherAgentsFor, type OtherAgentSources } from "../request/other_agents.ts";
import type { AskerTracker } from "./asker_tracker.ts";
import type { PendingRequest } from "./pending_request.ts";

/** How long to hold back, and where the other agents are looked for. */
export interface OtherAgentHold {
  /** The grace period. */
  milliseconds: number;
  /** Alternative sources, for tests. */
  sources?: OtherAgentSources;
}

/** What {@linkcode holdBackForOtherAgent} works with. */
export interface HoldContext {
  /** Where the hold and its end are logged. */
  log: Logger;
  /** Where the grace period's timer waits. */
  reactor: Reactor;
  /** Watches the other agent's process. */
  trackers: AskerTracker;
  /** CLOCK_MONOTONIC µs now. */
  now: bigint;
  /** The request may now be shown. */
  onReleased: () => void;
}

/**
 * Holds `pending` back when another agent works on it; does nothing
 * otherwise.
 *
 * @example Usage
 * ```ts
 * import { holdBackForOtherAgent } from "./other_agent_hold.ts";
 * const pending = {} as import("./pending_request.ts").PendingRequest;
 * const context = {} as import("./other_agent_hold.ts").HoldContext;
 * holdBackForOtherAgent(pending, { milliseconds: 5000 }, context);
 * ```
 * @param pending The new request.
 * @param hold The grace period.
 * @param context The agent's reactor, process tracker and log.
 * @returns Whether it is held back.
 */
export function holdBackForOtherAgent(
  pending: PendingRequest,
  hold: OtherAgentHold,
  context: HoldContext,
): boolean {
  if (hold.milliseconds <= 0) return false;
  const [agent] = otherAgentsFor(pending.class.disk?.device, hold.sources);
  if (!agent) {
    context.log.debug(`No other agent works on ${pending.request.path}`);
    return false;
  }
  const { log, reactor, trackers, now, onReleased } = context;
  const path = pending.request.path;
  let stopWatching: (() => void) | undefined;
  const release = (why: string) => {
    if (!pending.heldBack) return;
    pending.heldBack.cancel();
    pending.heldBack = undefined;
    if (pending.state !== "asking") return;
    log.info(`Showing ${path}: ${why}`);
    onReleased();
  };
  const timer = reactor.at(
    now + BigInt(hold.milliseconds) * 1000n,
    () => release(`${agent.name} did not answer within ${hold.milliseconds / 1000} s`),
  );
  pending.heldBack = {
    cancel: () => {
      timer.cancel();
      stopWatching?.();
      stopWatching = undefined;
    },
  };
  const who = agent.pid === undefined ? agent.name : `${agent.name} (PID ${agent.pid})`;
  if (agent.pid !== undefined) {
    const tracking = trackers.track(agent.pid, () => release(`${who} gave up`));
    if (tracking.kind === "tracking") stopWatching = tracking.stop;
    else if (tracking.kind === "gone") {
      release(`${who} is gone`);
      return false;
    }
  }
  log.info(
    `Holding ${path} back for up to ${hold.milliseconds / 1000} s: ${who} works on it ` +
      `(${pending.class.disk?.device} has a ${agent.name} token)`,
  );
  return true;
}
