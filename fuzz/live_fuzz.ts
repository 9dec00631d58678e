/**
 * The live fuzzer: the real agent (`askpw watch --console=PTY` in a private
 * mount namespace) under a stream of hostile ask files, in batches. After
 * each batch one valid request must still be prompted on the console and
 * answered with exactly the bytes typed; then the batch's files vanish, as
 * their askers would, and the agent's resident memory, threads, open
 * descriptors and log volume are measured.
 *
 * Only the console (the prompt's Message text) and the reply bytes are
 * relied on, never the wording of askpw's log.
 *
 * @module
 */
import { findAgentProcess, LogMeter, type ProcessSample, sampleProcess } from "./agent_probe.ts";
import { DECOY_MARKER, HostileAskFiles, type HostileKind } from "./hostile_ask_files.ts";
import { Prng } from "./prng.ts";
import { PrivateNamespace } from "../tests/helpers/private_namespace.ts";
import { PtyConsole } from "../tests/helpers/pty_console.ts";
import { RecordingAsker, showBytes } from "../tests/helpers/recording_asker.ts";
import { type RunningAgent, startAskpw } from "../tests/helpers/agents.ts";

/** Limits a well-behaved agent keeps; each may be switched off (undefined). */
export interface LiveThresholds {
  /** Average log bytes per hostile file (after the warm-up request). */
  maxLogBytesPerFile?: number;
  /** Longest single log line, in bytes. */
  maxLogLineBytes?: number;
  /** Resident memory once the flood is over (after `settleMs`) minus at the start, in MB. */
  maxRssGrowthMb?: number;
}

/** The limits `deno task fuzz` applies unless told otherwise. */
export const DEFAULT_LIVE_THRESHOLDS: Required<LiveThresholds> = {
  maxLogBytesPerFile: 300,
  maxLogLineBytes: 1000,
  maxRssGrowthMb: 30,
};

/** Options of {@linkcode runLiveFuzz}. */
export interface LiveFuzzOptions extends LiveThresholds {
  /** Hostile files in all. */
  files: number;
  /** Hostile files per batch (default 500). */
  batchSize?: number;
  /** Makes the files repeatable. */
  seed: number;
  /** Longest wait for a valid request's prompt and for its reply (default 30 s). */
  replyTimeoutMs?: number;
  /** Longest wait for the first prompt, which includes Deno's start (default 60 s). */
  startTimeoutMs?: number;
  /** Open descriptors may grow by this many at most (default 5). */
  fdMargin?: number;
  /**
   * How long the flood is over before the final measurement (default 3 s):
   * memory has to return near the start after a flood, not during it.
   */
  settleMs?: number;
  /**
   * Largest generator file used (default 64 KiB). Near-1 MiB inputs are the
   * parser fuzzer's job; here a single slow parse would stall every batch
   * after it and hide the resource numbers.
   */
  maxGeneratedBytes?: number;
  /** Receives a line per batch as it finishes. */
  progress?: (line: string) => void;
}

/** One batch's numbers. */
export interface BatchRow {
  /** "warm-up", "1", "2", …, "final". */
  label: string;
  /** Hostile files written in this batch. */
  files: number;
  /** Time to write and rename them. */
  writeMs: number;
  /** Valid ask file published → its Message on the console. */
  promptMs: number;
  /** Password typed → reply at the asker. */
  replyMs: number;
  /** The agent after the batch's files were removed. */
  sample: ProcessSample;
  /** Log bytes since the warm-up request. */
  logBytes: number;
}

/** What {@linkcode runLiveFuzz} found. */
export interface LiveFuzzReport {
  /** The run's seed. */
  seed: number;
  /** Which process was measured and why. */
  agentNote: string;
  /** Warm-up, each batch, and the final check. */
  rows: BatchRow[];
  /** Hostile files written, by kind. */
  kinds: Partial<Record<HostileKind, number>>;
  /** Hostile files written in all. */
  files: number;
  /** From the first batch to the end of the last one (or to the failure). */
  seconds: number;
  /** Of which writing the files. */
  writeSeconds: number;
  /** After the warm-up request. */
  start?: ProcessSample;
  /** After the final check (or when the run stopped). */
  end?: ProcessSample;
  /** Highest VmRSS seen, kB. */
  peakRssKb: number;
  /** Log bytes and lines since the warm-up request, longest line in the whole log. */
  log: { bytes: number; lines: number; longestLineBytes: number };
  /** The limits applied. */
  thresholds: LiveThresholds & { fdMargin: number };
  /** What went wrong; empty when the run passed. */
  failures: string[];
  /** Whether nothing went wrong. */
  passed: boolean;
}

/** Past this much log text the harness stops rather than run out of memory. */
const LOG_GUARD_CHARS = 256 * 1024 * 1024;

class LiveFailure extends Error {}

interface Run {
  namespace: PrivateNamespace;
  console: PtyConsole;
  agent: RunningAgent;
  hostile: HostileAskFiles;
  random: Prng;
  screenOffset: number;
  exitStatus?: Deno.CommandStatus;
}

/**
 * Runs the live fuzzer (needs root).
 *
 * @example Usage
 * ```ts
 * import { formatLiveFuzzReport, runLiveFuzz } from "./live_fuzz.ts";
 * const report = await runLiveFuzz({ files: 1000, batchSize: 250, seed: 1 });
 * console.log(formatLiveFuzzReport(report));
 * ```
 * @param options See {@linkcode LiveFuzzOptions}.
 * @returns The report.
 */
export async function runLiveFuzz(options: LiveFuzzOptions): Promise<LiveFuzzReport> {
  const batchSize = options.batchSize ?? 500;
  const replyTimeoutMs = options.replyTimeoutMs ?? 30_000;
  const report: LiveFuzzReport = {
    seed: options.seed,
    agentNote: "",
    rows: [],
    kinds: {},
    files: 0,
    seconds: 0,
    writeSeconds: 0,
    peakRssKb: 0,
    log: { bytes: 0, lines: 0, longestLineBytes: 0 },
    thresholds: {
      maxLogBytesPerFile: options.maxLogBytesPerFile,
      maxLogLineBytes: options.maxLogLineBytes,
      maxRssGrowthMb: options.maxRssGrowthMb,
      fdMargin: options.fdMargin ?? 5,
    },
    failures: [],
    passed: false,
  };
  const progress = options.progress ?? (() => {});

  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  using hostile = new HostileAskFiles(namespace, options.seed, options.maxGeneratedBytes);
  await using agent = startAskpw(namespace, ["watch", `--console=${console.path}`]);
  const run: Run = {
    namespace,
    console,
    agent,
    hostile,
    random: new Prng(options.seed ^ 0x7a11d),
    screenOffset: 0,
  };
  agent.process.status.then((status) => run.exitStatus = status);
  const meter = new LogMeter();
  let logAtStart = 0;
  let pid: number | undefined;
  const measure = (): ProcessSample => {
    if (run.exitStatus) throw new LiveFailure(`the agent exited (${describeExit(run.exitStatus)})`);
    if (agent.log.length > LOG_GUARD_CHARS) {
      throw new LiveFailure(
        `the agent logged over ${
          LOG_GUARD_CHARS / 1024 / 1024
        } MiB; stopped before the harness runs out of memory`,
      );
    }
    meter.update(agent.log);
    const sample = sampleProcess(pid!);
    report.peakRssKb = Math.max(report.peakRssKb, sample.rssKb);
    return sample;
  };
  const addRow = (row: Omit<BatchRow, "sample" | "logBytes">) => {
    const full = { ...row, sample: measure(), logBytes: meter.bytes - logAtStart };
    report.rows.push(full);
    progress(formatRow(full, report.files));
    return full;
  };

  try {
    const found = await findAgentProcess(agent.process.pid).catch((error: Error) => {
      throw new LiveFailure(`the agent did not start: ${error.message}`);
    });
    pid = found.pid;
    report.agentNote = found.note;
    progress(`live: ${found.note}`);
    progress(TABLE_HEADER);
    const warmUp = await answerValidRequest(run, "warm-up", options.startTimeoutMs ?? 60_000);
    meter.update(agent.log);
    logAtStart = meter.bytes;
    report.start = addRow({ label: "warm-up", files: 0, writeMs: 0, ...warmUp }).sample;

    const began = performance.now();
    const clock = () => report.seconds = (performance.now() - began) / 1000;
    for (let batch = 1; report.files < options.files; batch++) {
      const count = Math.min(batchSize, options.files - report.files);
      const writing = performance.now();
      const files = hostile.writeBatch(batch, count);
      const writeMs = performance.now() - writing;
      report.writeSeconds += writeMs / 1000;
      report.files += count;
      for (const file of files) report.kinds[file.kind] = (report.kinds[file.kind] ?? 0) + 1;
      const answered = await answerValidRequest(run, `batch ${batch}`, replyTimeoutMs)
        .finally(clock);
      hostile.remove(files); // the askers vanished
      addRow({ label: String(batch), files: count, writeMs, ...answered });
    }
    // The flood is over: give the agent a moment to give memory back, then one
    // more request (by the time it is answered it has seen the last removals).
    await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 3000));
    const final = await answerValidRequest(run, "final", replyTimeoutMs);
    report.end = addRow({ label: "final", files: 0, writeMs: 0, ...final }).sample;
  } catch (error) {
    if (!(error instanceof LiveFailure)) throw error;
    report.failures.push(error.message);
    try {
      report.end = pid === undefined || run.exitStatus ? undefined : sampleProcess(pid);
    } catch {
      // gone meanwhile
    }
  }
  meter.update(agent.log);
  report.log = {
    bytes: meter.bytes - logAtStart,
    lines: meter.lines,
    longestLineBytes: meter.longestLineBytes,
  };
  report.failures.push(...thresholdFailures(report));
  report.passed = report.failures.length === 0;
  return report;
}

/**
 * Publishes one valid request with a distinctive Message, waits for it on
 * the console, types a password and checks the reply's exact bytes.
 */
async function answerValidRequest(
  run: Run,
  label: string,
  timeoutMs: number,
): Promise<{ promptMs: number; replyMs: number }> {
  const nonce = run.random.nextUint32().toString(16).padStart(8, "0");
  const message = `Fuzz check ${label} ${nonce}:`;
  const password = `pw-${nonce}`;
  using asker = RecordingAsker.create(run.namespace, { message });
  const published = performance.now();
  try {
    run.screenOffset = await run.console.waitFor(
      new RegExp(`${escapeRegExp(message)}|${DECOY_MARKER}`),
      timeoutMs,
      run.screenOffset,
    );
  } catch {
    throw new LiveFailure(
      `${label}: the valid request was not prompted within ${timeoutMs / 1000} s` +
        (run.exitStatus ? ` (the agent exited: ${describeExit(run.exitStatus)})` : ""),
    );
  }
  const prompted = performance.now();
  if (run.console.text.includes(DECOY_MARKER)) {
    throw new LiveFailure(`${label}: a hostile request was prompted on the console`);
  }
  run.console.type(`${password}\r`);
  const reply = await asker.reply(timeoutMs);
  const replied = performance.now();
  const expected = new TextEncoder().encode(`+${password}\0`);
  if (showBytes(reply) !== showBytes(expected)) {
    throw new LiveFailure(
      `${label}: the reply was ${showBytes(reply)}, expected ${showBytes(expected)}`,
    );
  }
  const stray = run.hostile.decoyDatagrams();
  if (stray > 0) {
    throw new LiveFailure(
      `${label}: ${stray} datagram(s) reached a decoy socket of a hostile request`,
    );
  }
  return { promptMs: prompted - published, replyMs: replied - prompted };
}

function thresholdFailures(report: LiveFuzzReport): string[] {
  const failures: string[] = [];
  const { start, end, thresholds } = report;
  if (start && end) {
    if (end.fds > start.fds + thresholds.fdMargin) {
      failures.push(
        `open descriptors grew from ${start.fds} to ${end.fds} (more than +${thresholds.fdMargin})`,
      );
    }
    const growthMb = (end.rssKb - start.rssKb) / 1024;
    if (thresholds.maxRssGrowthMb !== undefined && growthMb > thresholds.maxRssGrowthMb) {
      failures.push(
        `resident memory grew by ${growthMb.toFixed(1)} MB (limit ${thresholds.maxRssGrowthMb} MB)`,
      );
    }
  }
  if (report.files > 0 && thresholds.maxLogBytesPerFile !== undefined) {
    const perFile = report.log.bytes / report.files;
    if (perFile > thresholds.maxLogBytesPerFile) {
      failures.push(
        `${perFile.toFixed(1)} log bytes per hostile file (limit ${thresholds.maxLogBytesPerFile})`,
      );
    }
  }
  if (
    thresholds.maxLogLineBytes !== undefined &&
    report.log.longestLineBytes > thresholds.maxLogLineBytes
  ) {
    failures.push(
      `a log line of ${report.log.longestLineBytes} bytes (limit ${thresholds.maxLogLineBytes})`,
    );
  }
  return failures;
}

const TABLE_HEADER = "   batch   files  write ms  prompt ms  reply ms  RSS MB  threads  fds" +
  "   log bytes  log B/file";

function formatRow(row: BatchRow, filesSoFar: number): string {
  const perFile = filesSoFar > 0 ? (row.logBytes / filesSoFar).toFixed(1) : "-";
  return [
    row.label.padStart(8),
    String(row.files).padStart(7),
    row.writeMs.toFixed(0).padStart(9),
    row.promptMs.toFixed(1).padStart(10),
    row.replyMs.toFixed(1).padStart(9),
    (row.sample.rssKb / 1024).toFixed(1).padStart(7),
    String(row.sample.threads).padStart(8),
    String(row.sample.fds).padStart(4),
    row.logBytes.toLocaleString("en-US").padStart(11),
    perFile.padStart(11),
  ].join(" ");
}

/**
 * Renders a report as text: the table and the summary.
 *
 * @param report What {@linkcode runLiveFuzz} returned.
 * @returns Lines for a terminal.
 */
export function formatLiveFuzzReport(report: LiveFuzzReport): string {
  const number = (value: number) => value.toLocaleString("en-US");
  const rate = (files: number, seconds: number) =>
    seconds > 0 ? number(Math.round(files / seconds)) : "-";
  const mb = (kb: number | undefined) => kb === undefined ? "?" : (kb / 1024).toFixed(1);
  const limit = (value: number | undefined, unit = "") =>
    value === undefined ? "no limit" : `limit ${number(value)}${unit}`;
  const { start, end, thresholds, log } = report;
  let filesSoFar = 0;
  const batches = report.rows.filter((row) => /^\d+$/.test(row.label)).length;
  const lines = [
    `Live fuzz (seed ${report.seed}): askpw watch --console=PTY in a private mount namespace`,
    `  ${report.agentNote}`,
    TABLE_HEADER,
    ...report.rows.map((row) => formatRow(row, filesSoFar += row.files)),
    `Summary: ${number(report.files)} hostile files written, ${batches} batch(es) completed, ` +
    `${report.seconds.toFixed(1)} s → ${rate(report.files, report.seconds)} files/s ` +
    `(writing alone ${rate(report.files, report.writeSeconds)} files/s)`,
    `  kinds: ${
      Object.entries(report.kinds).map(([kind, count]) => `${kind} ${number(count)}`).join(", ")
    }`,
    `  RSS MB start/peak/after the flood: ${mb(start?.rssKb)} / ${mb(report.peakRssKb)} / ${
      mb(end?.rssKb)
    } (anonymous ${mb(start?.rssAnonKb)} → ${mb(end?.rssAnonKb)}, file-backed ${
      mb(start?.rssFileKb)
    } → ${mb(end?.rssFileKb)})` +
    (start && end
      ? ` (growth ${((end.rssKb - start.rssKb) / 1024).toFixed(1)} MB, ` +
        `${limit(thresholds.maxRssGrowthMb, " MB")})`
      : ""),
    `  fds start/end: ${start?.fds ?? "?"} / ${end?.fds ?? "?"} (margin +${thresholds.fdMargin})`,
    `  threads start/end: ${start?.threads ?? "?"} / ${end?.threads ?? "?"}`,
    `  log since warm-up: ${number(log.bytes)} bytes = ` +
    `${(log.bytes / Math.max(report.files, 1)).toFixed(1)} bytes per hostile file ` +
    `(${limit(thresholds.maxLogBytesPerFile)}); ${number(log.lines)} lines in the whole log, ` +
    `longest ${number(log.longestLineBytes)} bytes (${limit(thresholds.maxLogLineBytes)})`,
    ...report.failures.map((failure) => `  FAILURE: ${failure}`),
    `  live fuzz: ${report.passed ? "PASS" : "FAIL"}`,
  ];
  return lines.join("\n");
}

function describeExit(status: Deno.CommandStatus): string {
  return status.signal ? `signal ${status.signal}` : `code ${status.code}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
