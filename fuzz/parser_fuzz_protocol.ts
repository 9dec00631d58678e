/**
 * What the parser fuzzer's main thread and its workers tell each other, and
 * the statistics they add up.
 *
 * @module
 */

/** One input that broke a rule. */
export interface ParserFailure {
  /** The input's number in the run (with the run's seed, enough to rebuild it). */
  index: number;
  /** An exception other than AskFileSyntaxError, a broken invariant, or no result in time. */
  kind: "exception" | "invariant" | "hang";
  /** What happened. */
  detail: string;
  /** How the input was made. */
  origin: string;
  /** Its size in bytes. */
  size: number;
  /** Where the input was saved, once saved. */
  savedPath?: string;
}

/** One of the slowest parses of a run. */
export interface SlowInput {
  /** The input's number. */
  index: number;
  /** Time spent in the first parseAskFile call. */
  ms: number;
  /** Size in bytes. */
  size: number;
  /** How it was made. */
  origin: string;
}

/** Counts over a range of inputs; ranges add up with {@linkcode mergeParserStats}. */
export interface ParserStats {
  /** Inputs tried. */
  files: number;
  /** Their total size. */
  bytes: number;
  /** The largest one. */
  maxBytes: number;
  /** Parsed without exception. */
  accepted: number;
  /** Accepted with a Socket= (the rest would be refused as "no Socket="). */
  acceptedWithSocket: number;
  /** Refused with AskFileSyntaxError. */
  rejected: number;
  /** Rejections by reason (the message without its line number). */
  reasons: Record<string, number>;
  /** Inputs and accepted inputs by origin. */
  origins: Record<string, { files: number; accepted: number }>;
  /** Everything that broke a rule. */
  failures: ParserFailure[];
  /** The slowest parses that finished, slowest first. */
  slowest: SlowInput[];
}

/** Main thread → worker: the heartbeat to beat, a range of a run, or one saved input. */
export type WorkerRequest =
  | { kind: "start"; heartbeat: SharedArrayBuffer }
  | { kind: "range"; seed: number; start: number; end: number }
  | { kind: "replay"; bytes: Uint8Array };

/** Worker → main thread: the statistics of a finished range, or a replay's outcome. */
export type WorkerResponse =
  | { kind: "range"; start: number; end: number; stats: ParserStats }
  | { kind: "replay"; outcome: string; problem: string | undefined; ms: number };

/** How many of the slowest parses a report lists. */
export const SLOWEST_KEPT = 5;

/**
 * Statistics of no input at all.
 *
 * @returns Zeroed statistics.
 */
export function emptyParserStats(): ParserStats {
  return {
    files: 0,
    bytes: 0,
    maxBytes: 0,
    accepted: 0,
    acceptedWithSocket: 0,
    rejected: 0,
    reasons: {},
    origins: {},
    failures: [],
    slowest: [],
  };
}

/**
 * Keeps `input` if it is among the {@linkcode SLOWEST_KEPT} slowest so far.
 *
 * @param stats Where the list lives.
 * @param input The parse just timed.
 */
export function recordSlowInput(stats: ParserStats, input: SlowInput): void {
  const list = stats.slowest;
  if (list.length === SLOWEST_KEPT && input.ms <= list[list.length - 1].ms) return;
  list.push(input);
  list.sort((a, b) => b.ms - a.ms);
  if (list.length > SLOWEST_KEPT) list.pop();
}

/**
 * Adds `part` into `total`.
 *
 * @param total Grows.
 * @param part A finished range's statistics.
 */
export function mergeParserStats(total: ParserStats, part: ParserStats): void {
  total.files += part.files;
  total.bytes += part.bytes;
  total.maxBytes = Math.max(total.maxBytes, part.maxBytes);
  total.accepted += part.accepted;
  total.acceptedWithSocket += part.acceptedWithSocket;
  total.rejected += part.rejected;
  for (const [reason, count] of Object.entries(part.reasons)) {
    total.reasons[reason] = (total.reasons[reason] ?? 0) + count;
  }
  for (const [origin, counts] of Object.entries(part.origins)) {
    const sum = total.origins[origin] ??= { files: 0, accepted: 0 };
    sum.files += counts.files;
    sum.accepted += counts.accepted;
  }
  total.failures.push(...part.failures);
  for (const input of part.slowest) recordSlowInput(total, input);
}
