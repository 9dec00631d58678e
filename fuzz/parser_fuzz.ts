/**
 * The parser fuzzer: pushes generated and mutated ask files through
 * `parseAskFile` in a few fuzzer processes (`parser_fuzz_child.ts`) and
 * reports throughput, outcomes and failures.
 *
 * A failure is any exception other than the documented AskFileSyntaxError,
 * a broken invariant (see `parser_invariants.ts`), or a parse that does not
 * finish within `hangMs` (its process exits and a fresh one goes on from
 * the next input). Each failing input is printed with the run's seed and its
 * index and saved under `build/fuzz/`, from where `deno task fuzz
 * --replay=FILE` parses it again.
 *
 * @module
 */
import { generateAskFile } from "./ask_file_generator.ts";
import {
  emptyParserStats,
  mergeParserStats,
  type ParserFailure,
  type ParserStats,
} from "./parser_fuzz_protocol.ts";
import type { ChildMessage, ChildRequest } from "./parser_fuzz_child.ts";

/** Where failing inputs go (build/ is git-ignored). */
export const FUZZ_OUTPUT_DIRECTORY = new URL("../build/fuzz/", import.meta.url).pathname;

const CHILD_PATH = new URL("./parser_fuzz_child.ts", import.meta.url).pathname;
const PROGRESS_EVERY_MS = 5000;

/** Options of {@linkcode runParserFuzz}. */
export interface ParserFuzzOptions {
  /** How many inputs. */
  files: number;
  /** The run's seed (32-bit). */
  seed: number;
  /** Fuzzer processes working in parallel (default: the CPU count, at most 4). */
  workers?: number;
  /** A parse taking longer than this is a hang (default 2000 ms). */
  hangMs?: number;
  /** Inputs per work unit (default 2000). */
  chunkSize?: number;
  /** Where failing inputs are saved (default {@linkcode FUZZ_OUTPUT_DIRECTORY}). */
  saveDirectory?: string;
  /** Inputs saved per kind of failure (default 5); all are listed. */
  maxSavedPerGroup?: number;
  /** Receives progress lines and each failure as it is found. */
  progress?: (line: string) => void;
}

/** What {@linkcode runParserFuzz} found. */
export interface ParserFuzzReport {
  /** The run's seed. */
  seed: number;
  /** Fuzzer processes used. */
  workers: number;
  /** The hang threshold. */
  hangMs: number;
  /** Wall-clock time of the run. */
  seconds: number;
  /** Counts, reasons, failures (sorted by index), slowest parses. */
  stats: ParserStats;
  /** Whether nothing broke a rule. */
  passed: boolean;
}

/**
 * Runs the parser fuzzer.
 *
 * @example Usage
 * ```ts
 * import { formatParserFuzzReport, runParserFuzz } from "./parser_fuzz.ts";
 * const report = await runParserFuzz({ files: 10_000, seed: 1 });
 * console.log(formatParserFuzzReport(report));
 * ```
 * @param options See {@linkcode ParserFuzzOptions}.
 * @returns The report.
 */
export async function runParserFuzz(options: ParserFuzzOptions): Promise<ParserFuzzReport> {
  const workers = options.workers ?? Math.max(1, Math.min(4, navigator.hardwareConcurrency));
  const hangMs = options.hangMs ?? 2000;
  const chunkSize = options.chunkSize ?? 2000;
  const progress = options.progress ?? (() => {});
  const saver = new FailureSaver(
    options.seed,
    options.saveDirectory ?? FUZZ_OUTPUT_DIRECTORY,
    options.maxSavedPerGroup ?? 5,
  );
  const queue: { start: number; end: number }[] = [];
  for (let start = 0; start < options.files; start += chunkSize) {
    queue.push({ start, end: Math.min(options.files, start + chunkSize) });
  }
  const total = emptyParserStats();
  const started = performance.now();
  const progressTimer = setInterval(() => {
    const rate = Math.round(total.files / ((performance.now() - started) / 1000));
    progress(`parser: ${total.files}/${options.files} files, ${rate} files/s`);
  }, PROGRESS_EVERY_MS);

  const record = (failure: ParserFailure) => {
    saver.save(failure);
    progress(`parser FAILURE: ${describeFailure(options.seed, failure)}`);
  };
  /** Counts an input whose parse never came back, and queues the rest of its range. */
  const abandon = (
    range: { start: number; end: number },
    index: number,
    kind: ParserFailure["kind"],
    detail: string,
  ) => {
    const input = generateAskFile(options.seed, index);
    const failure = { index, kind, detail, origin: input.origin, size: input.bytes.length };
    const stats = emptyParserStats();
    stats.files = 1;
    stats.bytes = stats.maxBytes = input.bytes.length;
    stats.origins[input.origin] = { files: 1, accepted: 0 };
    stats.failures.push(failure);
    mergeParserStats(total, stats);
    record(failure);
    // The inputs before it are parsed again (deterministic), those after it as usual.
    if (index + 1 < range.end) queue.unshift({ start: index + 1, end: range.end });
    if (index > range.start) queue.unshift({ start: range.start, end: index });
  };

  /** One fuzzer process at a time takes ranges from the queue until it is empty. */
  const runSlot = async () => {
    let child = new ChildProcess(hangMs);
    try {
      for (let range = queue.shift(); range; range = queue.shift()) {
        const message = await child.request({ kind: "range", seed: options.seed, ...range });
        if (message?.kind === "range") {
          mergeParserStats(total, message.stats);
          for (const failure of message.stats.failures) record(failure);
          continue;
        }
        await child.close();
        child = new ChildProcess(hangMs);
        if (message?.kind === "hang") {
          abandon(range, message.index, "hang", `no result within ${hangMs} ms`);
        } else if (message?.kind === "died") {
          abandon(
            range,
            Math.max(message.index, range.start),
            "exception",
            `worker died: ${message.message}`,
          );
        } else {
          // Killed from outside (out of memory?) without saying where: blame the range.
          const failure: ParserFailure = {
            index: range.start,
            kind: "exception",
            detail: `fuzzer process died silently within inputs #${range.start}…#${range.end - 1}`,
            origin: "range",
            size: 0,
          };
          total.failures.push(failure);
          progress(`parser FAILURE: ${describeFailure(options.seed, failure)}`);
        }
      }
    } finally {
      await child.close();
    }
  };
  try {
    // Slots take ranges from the shared queue; a slot that finishes early
    // does not stop while another one may still put a range back.
    let running = 0;
    await new Promise<void>((resolve, reject) => {
      const start = () => {
        running++;
        runSlot().then(() => {
          running--;
          if (queue.length > 0) start();
          else if (running === 0) resolve();
        }, reject);
      };
      if (queue.length === 0) resolve();
      for (let count = 0; count < Math.min(workers, queue.length); count++) start();
    });
  } finally {
    clearInterval(progressTimer);
  }

  total.failures.sort((a, b) => a.index - b.index);
  return {
    seed: options.seed,
    workers,
    hangMs,
    seconds: (performance.now() - started) / 1000,
    stats: total,
    passed: total.failures.length === 0,
  };
}

/** A `parser_fuzz_child.ts` process, one request at a time. */
class ChildProcess {
  #process: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;

  constructor(hangMs: number) {
    this.#process = new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--allow-read", CHILD_PATH, `--hang-ms=${hangMs}`],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#process.stdin.getWriter();
    this.#lines = readLines(this.#process.stdout)[Symbol.asyncIterator]();
  }

  /** Sends one request and waits for its answer; `undefined` when the process ended first. */
  async request(request: ChildRequest): Promise<ChildMessage | undefined> {
    await this.#writer.write(new TextEncoder().encode(`${JSON.stringify(request)}\n`));
    const { value, done } = await this.#lines.next();
    return done ? undefined : JSON.parse(value) as ChildMessage;
  }

  /** Ends the process (it exits on EOF; one that already exited is fine). */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#process.status;
    await this.#lines.return?.();
  }
}

async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
    }
  }
}

/** Saves failing inputs, a few per kind of failure. */
class FailureSaver {
  #seed: number;
  #directory: string;
  #perGroup: number;
  #saved = new Map<string, number>();

  constructor(seed: number, directory: string, perGroup: number) {
    this.#seed = seed;
    this.#directory = directory;
    this.#perGroup = perGroup;
  }

  save(failure: ParserFailure): void {
    const group = failureGroup(failure);
    const count = this.#saved.get(group) ?? 0;
    if (count >= this.#perGroup) return;
    this.#saved.set(group, count + 1);
    Deno.mkdirSync(this.#directory, { recursive: true });
    const path = `${this.#directory}parser-seed${this.#seed}-index${failure.index}.bin`;
    Deno.writeFileSync(path, generateAskFile(this.#seed, failure.index).bytes);
    failure.savedPath = path;
  }
}

function failureGroup(failure: ParserFailure): string {
  return `${failure.kind}: ${failure.detail}`;
}

function describeFailure(seed: number, failure: ParserFailure): string {
  const saved = failure.savedPath ? `, saved to ${failure.savedPath}` : "";
  return `${failure.kind} on seed ${seed} input #${failure.index} ` +
    `(${failure.origin}, ${failure.size} bytes): ${failure.detail}${saved}`;
}

/**
 * Renders a report as text.
 *
 * @param report What {@linkcode runParserFuzz} returned.
 * @returns Lines for a terminal.
 */
export function formatParserFuzzReport(report: ParserFuzzReport): string {
  const { stats } = report;
  const number = (value: number) => value.toLocaleString("en-US");
  const percent = (part: number) => `${(100 * part / Math.max(1, stats.files)).toFixed(1)} %`;
  const lines = [
    `Parser fuzz (seed ${report.seed}): ${number(stats.files)} files in ${
      report.seconds.toFixed(1)
    } s = ` +
    `${
      number(Math.round(stats.files / report.seconds))
    } files/s in ${report.workers} process(es); ` +
    `${(stats.bytes / 1e6).toFixed(1)} MB in all, largest ${number(stats.maxBytes)} bytes`,
    `  accepted ${number(stats.accepted)} (${percent(stats.accepted)}), ` +
    `${number(stats.acceptedWithSocket)} of them with a Socket=; ` +
    `rejected with AskFileSyntaxError ${number(stats.rejected)} (${percent(stats.rejected)})`,
    "  rejection reasons:",
    ...Object.entries(stats.reasons).sort((a, b) => b[1] - a[1]).map(([reason, count]) =>
      `    ${reason.padEnd(40)} ${number(count).padStart(9)}  ${percent(count)}`
    ),
    "  inputs by origin (files / accepted):",
    ...Object.entries(stats.origins).map(([origin, counts]) =>
      `    ${origin.padEnd(12)} ${number(counts.files).padStart(9)} / ${
        number(counts.accepted).padStart(9)
      }`
    ),
    `  slowest finished parses: ${
      stats.slowest.map((input) =>
        `#${input.index} ${input.ms.toFixed(1)} ms (${number(input.size)} B, ${input.origin})`
      ).join("; ")
    }`,
  ];
  const groups = new Map<string, ParserFailure[]>();
  for (const failure of stats.failures) {
    const group = failureGroup(failure);
    groups.set(group, [...(groups.get(group) ?? []), failure]);
  }
  lines.push(
    `  failures: ${number(stats.failures.length)}${stats.failures.length ? "" : " (none)"}`,
  );
  for (const [group, failures] of groups) {
    lines.push(`    ${failures.length} × ${group}`);
    for (const failure of failures.slice(0, 10)) {
      lines.push(
        `      seed ${report.seed} input #${failure.index} (${failure.origin}, ${
          number(failure.size)
        } B)` +
          (failure.savedPath ? ` → ${failure.savedPath}` : ""),
      );
    }
    if (failures.length > 10) lines.push(`      … and ${failures.length - 10} more`);
  }
  const firstSaved = stats.failures.find((failure) => failure.savedPath)?.savedPath;
  if (firstSaved) lines.push(`  replay one: deno task fuzz --replay=${firstSaved}`);
  lines.push(`  parser fuzz: ${report.passed ? "PASS" : "FAIL"}`);
  return lines.join("\n");
}

/**
 * Parses one saved input again on a worker, with the same checks and the
 * same hang limit as the fuzzer.
 *
 * @example Usage
 * ```ts
 * import { replayParserInput } from "./parser_fuzz.ts";
 * console.log(await replayParserInput("build/fuzz/parser-seed1-index7.bin"));
 * ```
 * @param path The saved input.
 * @param hangMs Give up after this long.
 * @returns One line per finding.
 */
export async function replayParserInput(path: string, hangMs = 2000): Promise<string> {
  const size = Deno.statSync(path).size;
  const child = new ChildProcess(hangMs);
  try {
    const result = await child.request({ kind: "replay", path });
    if (result?.kind === "hang") {
      return `${path} (${size} bytes): HANG, no result within ${hangMs} ms`;
    }
    if (result?.kind !== "replay") return `${path} (${size} bytes): the fuzzer process died`;
    return [
      `${path} (${size} bytes): ${result.outcome} [${result.ms.toFixed(1)} ms]`,
      ...(result.problem ? [`  broken invariant: ${result.problem}`] : []),
    ].join("\n");
  } finally {
    await child.close();
  }
}
