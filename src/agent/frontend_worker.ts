/**
 * One frontend's loop: while the agent runs, wait until the surface can ask,
 * show it the request the request table picks, and hand the outcome on.
 * Every surface runs one, so several consoles show the same request at once;
 * the first answer wins and withdraws it everywhere.
 *
 * @module
 */
import type { Logger } from "../log/log.ts";
import { AbortScope } from "../reactor/abort_scope.ts";
import { whenAborted } from "../reactor/when_aborted.ts";
import type { ChangeSignal } from "./change_signal.ts";
import type { AskOutcome, Frontend } from "./frontend.ts";
import type { PendingRequest } from "./pending_request.ts";
import type { RequestTable } from "./request_table.ts";

/** What a frontend's loop needs from the agent. */
export interface FrontendWorkerOptions {
  /** `"query"`: one pass over what is pending; `"watch"`: until `signal`. */
  mode: "query" | "watch";
  /** Ends the loop, withdrawing the prompt shown. */
  signal: AbortSignal;
  /** Where events are logged. */
  log: Logger;
  /** The requests, and which one to show next. */
  table: RequestTable;
  /** Notified when requests come, go or leave "asking". */
  changes: ChangeSignal;
  /** The person answered `pending` on the surface named `source`. */
  onAnswer: (pending: PendingRequest, passwords: Uint8Array[], source: string) => void;
  /** The person aborted a query (Ctrl-C). */
  onCancel: () => void;
  /** A request or frontend may be finished with: a query may be complete. */
  onProgress: () => void;
  /** The surface's availability may have changed. */
  onAvailability: () => void;
}

/**
 * Runs `frontend`'s loop until `options.signal` aborts (or, in a query,
 * until the surface cannot ask any more).
 *
 * @example Usage
 * ```ts
 * import { runFrontendWorker } from "./frontend_worker.ts";
 * import { ChangeSignal } from "./change_signal.ts";
 * import { RequestTable } from "./request_table.ts";
 * import { createLogger } from "../log/log.ts";
 * import type { Frontend } from "./frontend.ts";
 * const console = {} as Frontend;
 * const stop = new AbortController();
 * const nothing = () => {};
 * const worker = runFrontendWorker(console, {
 *   mode: "watch", signal: stop.signal, log: createLogger(), table: new RequestTable([console]),
 *   changes: new ChangeSignal(), onAnswer: nothing, onCancel: nothing, onProgress: nothing,
 *   onAvailability: nothing,
 * });
 * stop.abort();
 * await worker;
 * ```
 * @param frontend The surface.
 * @param options See {@linkcode FrontendWorkerOptions}.
 * @returns Resolves when the loop has ended and its prompt is withdrawn.
 */
export async function runFrontendWorker(
  frontend: Frontend,
  options: FrontendWorkerOptions,
): Promise<void> {
  const { mode, signal, log, table } = options;
  /** Why the surface last went away: the same reason again is logged quietly. */
  let goneReason: string | undefined;
  while (!signal.aborted) {
    if (frontend.isAvailable && !frontend.isAvailable()) {
      if (mode === "query") {
        // A query is one pass: a surface that cannot ask now is done with it.
        log.info(`${frontend.name} cannot ask now; skipping it for this query`);
        table.finishAll(frontend);
        options.onProgress();
        return;
      }
      using scope = new AbortScope(signal);
      await frontend.availabilityChanged?.(scope.signal);
      options.onAvailability();
      continue;
    }
    const pending = table.pick(frontend);
    if (!pending) {
      using scope = new AbortScope(signal);
      await Promise.race([
        options.changes.wait(scope.signal),
        frontend.availabilityChanged?.(scope.signal) ?? whenAborted(scope.signal),
      ]);
      continue;
    }
    log.debug(`Asking on ${frontend.name}: ${pending.request.path}`);
    const outcome = await ask(frontend, pending, signal);
    if (outcome.kind !== "gone") goneReason = undefined;
    switch (outcome.kind) {
      case "answer":
        options.onAnswer(pending, outcome.passwords, frontend.name);
        break;
      case "skip":
        log.info(`Skipped ${pending.request.path} on ${frontend.name}`);
        if (mode === "query") pending.finishedBy.add(frontend);
        break;
      case "cancel":
        log.info(`Cancelled ${pending.request.path} on ${frontend.name}; no reply sent`);
        if (mode === "query") options.onCancel();
        break;
      case "gone":
        if (mode === "query") {
          log.warning(`${frontend.name}: ${outcome.reason}`);
          table.finishAll(frontend);
          options.onProgress();
          return;
        }
        // The frontend says it is unavailable until something changes (a
        // hot-plug event, plymouthd coming back): no retry on a timer.
        if (goneReason === outcome.reason) {
          log.debug(`${frontend.name}: ${outcome.reason}`);
        } else {
          log.warning(`${frontend.name}: ${outcome.reason}`);
          goneReason = outcome.reason;
        }
        break;
      case "withdrawn":
        break;
    }
    options.onProgress();
  }
}

/** Shows `pending` on `frontend` until answered, or withdrawn by the request or `signal`. */
async function ask(
  frontend: Frontend,
  pending: PendingRequest,
  signal: AbortSignal,
): Promise<AskOutcome> {
  using scope = new AbortScope(signal);
  const onWithdraw = () => scope[Symbol.dispose]();
  pending.prompts.signal.addEventListener("abort", onWithdraw, { once: true });
  if (pending.prompts.signal.aborted) onWithdraw();
  try {
    return await frontend.ask(pending.request, scope.signal, {
      attempt: pending.attempt,
      previous: pending.previous,
      asker: pending.asker,
      kind: pending.class.kind,
      disk: pending.class.disk,
    });
  } catch (error) {
    return { kind: "gone", reason: error instanceof Error ? error.message : String(error) };
  } finally {
    pending.prompts.signal.removeEventListener("abort", onWithdraw);
  }
}
