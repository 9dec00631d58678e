/**
 * The agent's pending requests, by ask-file path, and the frontends that ask
 * them: which frontend shows which request next (the one it has shown least
 * recently, oldest first, so every surface cycles through all of them after
 * a skip, as systemd's agent re-prompts), and which surfaces can ask now.
 *
 * @module
 */
import type { AskDirectory } from "../protocol/ask_directory.ts";
import type { Frontend } from "./frontend.ts";
import type { PendingRequest } from "./pending_request.ts";

/** What the table holds right now, for the status line. */
export interface RequestTally {
  /** Requests that prompts may show. */
  asking: number;
  /** Answers waiting for room in an asker's full queue. */
  waitingForRoom: number;
  /** Names of the frontends that can ask now. */
  surfaces: string[];
}

/**
 * Pending requests and the frontends that show them.
 *
 * @example Usage
 * ```ts
 * import { RequestTable } from "./request_table.ts";
 * import type { Frontend } from "./frontend.ts";
 * const console = {} as Frontend;
 * const table = new RequestTable([console]);
 * const next = table.pick(console); // undefined: nothing is pending
 * ```
 */
export class RequestTable {
  #byPath = new Map<string, PendingRequest>();
  #frontends: Frontend[];
  #sequence = 0;
  #tick = 0;

  /**
   * Creates an empty table.
   *
   * @example Usage
   * ```ts
   * import { RequestTable } from "./request_table.ts";
   * const table = new RequestTable([]);
   * ```
   * @param frontends The surfaces known at start.
   */
  constructor(frontends: readonly Frontend[]) {
    this.#frontends = [...frontends];
  }

  /** Every frontend, those found later included. */
  get frontends(): readonly Frontend[] {
    return this.#frontends;
  }

  /**
   * Adds a frontend found later (a console plugged in).
   *
   * @example Usage
   * ```ts
   * import { RequestTable } from "./request_table.ts";
   * import type { Frontend } from "./frontend.ts";
   * const console = {} as Frontend;
   * new RequestTable([]).addFrontend(console);
   * ```
   * @param frontend The surface.
   */
  addFrontend(frontend: Frontend): void {
    this.#frontends.push(frontend);
  }

  /**
   * Takes a request in, numbered after every request before it.
   *
   * @example Usage
   * ```ts
   * import { RequestTable } from "./request_table.ts";
   * import { newPendingRequest } from "./pending_request.ts";
   * import type { AskRequest } from "../protocol/ask_request.ts";
   * const request = {} as AskRequest;
   * new RequestTable([]).add(newPendingRequest(request));
   * ```
   * @param pending The request; its ask file's path is its key.
   */
  add(pending: PendingRequest): void {
    pending.sequence = this.#sequence++;
    this.#byPath.set(pending.request.path, pending);
  }

  /**
   * The request of the ask file at `path`.
   *
   * @example Usage
   * ```ts
   * import { RequestTable } from "./request_table.ts";
   * new RequestTable([]).get("/run/systemd/ask-password/ask.x"); // undefined
   * ```
   * @param path The ask file's path.
   * @returns The request, if held.
   */
  get(path: string): PendingRequest | undefined {
    return this.#byPath.get(path);
  }

  /**
   * Lets go of the request of the ask file at `path` (releasing it is the caller's).
   *
   * @example Usage
   * ```ts
   * import { RequestTable } from "./request_table.ts";
   * new RequestTable([]).remove("/run/systemd/ask-password/ask.x"); // undefined
   * ```
   * @param path The ask file's path.
   * @returns The request that was held, if any.
   */
  remove(path: string): PendingRequest | undefined {
    const pending = this.#byPath.get(path);
    this.#byPath.delete(path);
    return pending;
  }

  /**
   * Every request held, oldest first.
   *
   * @example Usage
   * ```ts
   * import { RequestTable } from "./request_table.ts";
   * for (const pending of new RequestTable([]).values()) pending.request.path;
   * ```
   * @returns The requests.
   */
  values(): IterableIterator<PendingRequest> {
    return this.#byPath.values();
  }

  /**
   * The requests whose ask files are in `directory`.
   *
   * @example Usage
   * ```ts
   * import { RequestTable } from "./request_table.ts";
   * new RequestTable([]).in({ path: "/run/systemd/ask-password", ownerUid: 0, kind: "system" });
   * ```
   * @param directory The directory.
   * @returns A copy: the caller may remove them meanwhile.
   */
  in(directory: AskDirectory): PendingRequest[] {
    return [...this.#byPath.values()].filter((pending) =>
      pending.request.directory.path === directory.path
    );
  }

  /**
   * The request `frontend` should show next, which it then counts as shown
   * now: among those still asking, not held back and not finished by it, the
   * one it showed least recently, oldest first.
   *
   * @example Usage
   * ```ts
   * import { RequestTable } from "./request_table.ts";
   * import type { Frontend } from "./frontend.ts";
   * const console = {} as Frontend;
   * const pending = new RequestTable([console]).pick(console);
   * ```
   * @param frontend The surface about to ask.
   * @returns The request, or `undefined` when it has nothing to show.
   */
  pick(frontend: Frontend): PendingRequest | undefined {
    let best: PendingRequest | undefined;
    let bestShown = Infinity;
    for (const pending of this.#byPath.values()) {
      if (pending.state !== "asking" || pending.heldBack || pending.finishedBy.has(frontend)) {
        continue;
      }
      const shown = pending.lastShown.get(frontend) ?? -1;
      if (
        best === undefined || shown < bestShown ||
        (shown === bestShown && pending.sequence < best.sequence)
      ) {
        best = pending;
        bestShown = shown;
      }
    }
    best?.lastShown.set(frontend, ++this.#tick);
    return best;
  }

  /**
   * Marks every request as finished by `frontend` (a query's surface that
   * cannot ask or has gone).
   *
   * @example Usage
   * ```ts
   * import { RequestTable } from "./request_table.ts";
   * import type { Frontend } from "./frontend.ts";
   * const console = {} as Frontend;
   * new RequestTable([console]).finishAll(console);
   * ```
   * @param frontend The surface.
   */
  finishAll(frontend: Frontend): void {
    for (const pending of this.#byPath.values()) pending.finishedBy.add(frontend);
  }

  /**
   * Whether a query has nothing left: every request is done, or every
   * frontend is finished with it.
   *
   * @example Usage
   * ```ts
   * import { RequestTable } from "./request_table.ts";
   * new RequestTable([]).isFinished(); // true
   * ```
   * @returns Whether nothing is left to ask.
   */
  isFinished(): boolean {
    const frontends = this.#frontends.length;
    for (const pending of this.#byPath.values()) {
      if (pending.state !== "done" && pending.finishedBy.size < frontends) return false;
    }
    return true;
  }

  /**
   * Counts requests asking and answers waiting, and names the surfaces that can ask.
   *
   * @example Usage
   * ```ts
   * import { RequestTable } from "./request_table.ts";
   * new RequestTable([]).tally(); // { asking: 0, waitingForRoom: 0, surfaces: [] }
   * ```
   * @returns The tally.
   */
  tally(): RequestTally {
    let asking = 0;
    let waitingForRoom = 0;
    for (const pending of this.#byPath.values()) {
      if (pending.state === "asking") asking++;
      if (pending.state === "delivering" && pending.waitingForRoom) waitingForRoom++;
    }
    const surfaces = this.#frontends.filter((frontend) => frontend.isAvailable?.() ?? true)
      .map((frontend) => frontend.name);
    return { asking, waitingForRoom, surfaces };
  }
}
