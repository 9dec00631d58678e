/**
 * The agent's status text: what it is doing, in one line, for `onStatus`
 * (sd_notify STATUS=, so `systemctl status` shows it).
 *
 * @module
 */
import type { RequestTable, RequestTally } from "./request_table.ts";

/**
 * The status line for a tally of the request table.
 *
 * @example Usage
 * ```ts
 * import { describeAgentState } from "./agent_status.ts";
 * describeAgentState({ asking: 2, waitingForRoom: 0, surfaces: ["console /dev/tty1"] });
 * // "2 requests pending; asking on console /dev/tty1"
 * ```
 * @param tally Requests asking, answers waiting, surfaces that can ask.
 * @returns The line.
 */
export function describeAgentState({ asking, waitingForRoom, surfaces }: RequestTally): string {
  const on = `asking on ${surfaces.join(", ") || "no surface"}`;
  if (asking === 0 && waitingForRoom === 0) return `Waiting for password requests; ${on}`;
  const waiting = waitingForRoom > 0 ? `, ${waitingForRoom} answer(s) waiting for room` : "";
  return `${asking} request${asking === 1 ? "" : "s"} pending${waiting}; ${on}`;
}

/**
 * Tells `onStatus` the agent's state, once per burst of changes and only
 * when the line differs from the last one told.
 *
 * @example Usage
 * ```ts
 * import { AgentStatus } from "./agent_status.ts";
 * import { RequestTable } from "./request_table.ts";
 * const status = new AgentStatus(new RequestTable([]), (line) => console.log(line));
 * status.queue(); // "Waiting for password requests; asking on no surface", after this callback
 * ```
 */
export class AgentStatus {
  #table: RequestTable;
  #onStatus?: (status: string) => void;
  #status = "";
  #queued = false;

  /**
   * Creates the reporter.
   *
   * @example Usage
   * ```ts
   * import { AgentStatus } from "./agent_status.ts";
   * import { RequestTable } from "./request_table.ts";
   * const status = new AgentStatus(new RequestTable([]), undefined); // tells nobody
   * ```
   * @param table The requests and frontends described.
   * @param onStatus Where the line goes; nothing is computed without it.
   */
  constructor(table: RequestTable, onStatus: ((status: string) => void) | undefined) {
    this.#table = table;
    this.#onStatus = onStatus;
  }

  /**
   * Brings the status up to date once the current callback is done: a burst
   * of changes computes it once.
   *
   * @example Usage
   * ```ts
   * import { AgentStatus } from "./agent_status.ts";
   * import { RequestTable } from "./request_table.ts";
   * const status = new AgentStatus(new RequestTable([]), (line) => console.log(line));
   * status.queue();
   * status.queue(); // one line, not two
   * ```
   */
  queue(): void {
    if (!this.#onStatus || this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      const status = describeAgentState(this.#table.tally());
      if (status === this.#status) return;
      this.#status = status;
      this.#onStatus?.(status);
    });
  }
}
