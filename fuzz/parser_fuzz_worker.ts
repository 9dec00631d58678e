/**
 * Worker of the parser fuzzer: generates inputs `start…end-1` of a run,
 * parses each, checks the invariants and posts the statistics of the range
 * (or parses one saved input, for a replay).
 *
 * Before each input it stores the input's index in the shared heartbeat, so
 * the main thread can tell a hang (the same index for too long) and
 * terminate this worker: a synchronous parse cannot be interrupted from
 * inside.
 *
 * @module
 */
import { generateAskFile } from "./ask_file_generator.ts";
import {
  type AskFileFields,
  AskFileSyntaxError,
  parseAskFile,
} from "../src/protocol/parse_ask_file.ts";
import {
  acceptedFieldsProblem,
  rejectionReason,
  repeatedParseProblem,
  syntaxErrorProblem,
} from "./parser_invariants.ts";
import {
  emptyParserStats,
  type ParserStats,
  recordSlowInput,
  type WorkerRequest,
  type WorkerResponse,
} from "./parser_fuzz_protocol.ts";

/** The parts of a worker's global scope used here (typed without the worker lib). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerResponse): void;
}

/** What one parse of one input came to. */
interface Examination {
  /** The fields, the syntax error, or the description of any other exception. */
  outcome: AskFileFields | AskFileSyntaxError | { exception: string };
  /** A broken invariant, if any. */
  problem: string | undefined;
  /** Time of the first parse. */
  ms: number;
}

const scope = self as unknown as WorkerScope;
let heartbeat: Int32Array<ArrayBufferLike> = new Int32Array(1);

scope.onmessage = (event) => {
  const request = event.data;
  switch (request.kind) {
    case "start":
      heartbeat = new Int32Array(request.heartbeat);
      break;
    case "range":
      scope.postMessage({
        kind: "range",
        start: request.start,
        end: request.end,
        stats: fuzzRange(request.seed, request.start, request.end),
      });
      break;
    case "replay": {
      Atomics.store(heartbeat, 0, 0);
      const { outcome, problem, ms } = examine(request.bytes);
      Atomics.store(heartbeat, 0, -1);
      scope.postMessage({ kind: "replay", outcome: describeOutcome(outcome), problem, ms });
      break;
    }
  }
};

function fuzzRange(seed: number, start: number, end: number): ParserStats {
  const stats = emptyParserStats();
  for (let index = start; index < end; index++) {
    Atomics.store(heartbeat, 0, index);
    const input = generateAskFile(seed, index);
    const size = input.bytes.length;
    const origin = stats.origins[input.origin] ??= { files: 0, accepted: 0 };
    origin.files++;
    stats.files++;
    stats.bytes += size;
    stats.maxBytes = Math.max(stats.maxBytes, size);

    const { outcome, problem, ms } = examine(input.bytes);
    recordSlowInput(stats, { index, ms, size, origin: input.origin });
    if (outcome instanceof AskFileSyntaxError) {
      stats.rejected++;
      const reason = rejectionReason(outcome);
      stats.reasons[reason] = (stats.reasons[reason] ?? 0) + 1;
    } else if ("exception" in outcome) {
      stats.failures.push({
        index,
        kind: "exception",
        detail: outcome.exception,
        origin: input.origin,
        size,
      });
      continue;
    } else {
      stats.accepted++;
      origin.accepted++;
      if (outcome.socket !== undefined) stats.acceptedWithSocket++;
    }
    if (problem) {
      stats.failures.push({
        index,
        kind: "invariant",
        detail: problem,
        origin: input.origin,
        size,
      });
    }
  }
  Atomics.store(heartbeat, 0, -1);
  return stats;
}

/** Parses `bytes`, then checks the outcome's invariants and parses again to compare. */
function examine(bytes: Uint8Array): Examination {
  let outcome: AskFileFields | AskFileSyntaxError;
  const started = performance.now();
  try {
    outcome = parseAskFile(bytes);
  } catch (error) {
    const ms = performance.now() - started;
    if (!(error instanceof AskFileSyntaxError)) {
      return { outcome: { exception: describeException(error) }, problem: undefined, ms };
    }
    outcome = error;
  }
  const ms = performance.now() - started;
  let problem = outcome instanceof AskFileSyntaxError
    ? syntaxErrorProblem(outcome, bytes)
    : acceptedFieldsProblem(outcome);
  try {
    problem ??= repeatedParseProblem(bytes, outcome);
  } catch (error) {
    return {
      outcome: { exception: `on the second parse: ${describeException(error)}` },
      problem,
      ms,
    };
  }
  return { outcome, problem, ms };
}

function describeException(error: unknown): string {
  if (!(error instanceof Error)) return `non-Error thrown: ${String(error)}`;
  const where = error.stack?.split("\n").find((line) => line.includes("/src/"))?.trim();
  return `${error.name}: ${error.message}${where ? ` (${where})` : ""}`;
}

function describeOutcome(outcome: Examination["outcome"]): string {
  if (outcome instanceof AskFileSyntaxError) {
    return `rejected: AskFileSyntaxError: ${outcome.message}`;
  }
  if ("exception" in outcome) return `EXCEPTION ${outcome.exception}`;
  return `accepted: ${
    JSON.stringify(outcome, (_, value) => typeof value === "bigint" ? `${value}n` : value)
  }`;
}
