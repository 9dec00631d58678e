/**
 * `deno task fuzz`: the parser fuzzer, then the live fuzzer, and their reports.
 *
 * ```
 * deno task fuzz [--parser-files=N] [--live-files=N] [--batch-size=N] [--seed=S]
 *                [--workers=N] [--hang-ms=MS] [--reply-timeout-ms=MS]
 *                [--max-log-bytes-per-file=N|off] [--max-log-line-bytes=N|off]
 *                [--max-rss-growth-mb=N|off] [--fd-margin=N] [--live-max-generated-bytes=N]
 * deno task fuzz --replay=build/fuzz/parser-seedS-indexI.bin
 * ```
 *
 * `--parser-files=0` or `--live-files=0` skips a part. The live part needs
 * root (it creates a mount namespace). Exit status: 0 when both parts pass,
 * 1 when one fails, 2 for a usage error.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { formatParserFuzzReport, replayParserInput, runParserFuzz } from "./parser_fuzz.ts";
import { DEFAULT_LIVE_THRESHOLDS, formatLiveFuzzReport, runLiveFuzz } from "./live_fuzz.ts";

const USAGE = `Usage: deno task fuzz [--parser-files=N] [--live-files=N] [--batch-size=N] [--seed=S]
  [--workers=N] [--hang-ms=MS] [--reply-timeout-ms=MS] [--max-log-bytes-per-file=N|off]
  [--max-log-line-bytes=N|off] [--max-rss-growth-mb=N|off] [--fd-margin=N]
  [--live-max-generated-bytes=N]
       deno task fuzz --replay=FILE`;

class UsageError extends Error {}

if (import.meta.main) Deno.exit(await main(Deno.args));

/**
 * Runs the fuzzers as the command line says.
 *
 * @param args The command line.
 * @returns The exit status.
 */
async function main(args: string[]): Promise<number> {
  let options: ReturnType<typeof readOptions>;
  try {
    options = readOptions(args);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof TypeError)) throw error;
    console.error(`fuzz: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.replay) {
    console.log(await replayParserInput(options.replay, options.hangMs));
    return 0;
  }
  if (options.liveFiles > 0 && Deno.uid() !== 0) {
    console.error("fuzz: the live part needs root (a private mount namespace); or --live-files=0");
    return 2;
  }
  const progress = (line: string) => console.error(line);
  console.log(`fuzz: seed ${options.seed} (replay this run with --seed=${options.seed})`);
  let passed = true;
  if (options.parserFiles > 0) {
    const report = await runParserFuzz({
      files: options.parserFiles,
      seed: options.seed,
      workers: options.workers,
      hangMs: options.hangMs,
      progress,
    });
    console.log(formatParserFuzzReport(report));
    passed &&= report.passed;
  }
  if (options.liveFiles > 0) {
    const report = await runLiveFuzz({
      files: options.liveFiles,
      batchSize: options.batchSize,
      seed: options.seed,
      replyTimeoutMs: options.replyTimeoutMs,
      maxLogBytesPerFile: options.maxLogBytesPerFile,
      maxLogLineBytes: options.maxLogLineBytes,
      maxRssGrowthMb: options.maxRssGrowthMb,
      fdMargin: options.fdMargin,
      maxGeneratedBytes: options.liveMaxGeneratedBytes,
      progress,
    });
    console.log(formatLiveFuzzReport(report));
    passed &&= report.passed;
  }
  console.log(`fuzz: ${passed ? "PASS" : "FAIL"}`);
  return passed ? 0 : 1;
}

function readOptions(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      "parser-files": { type: "string", default: "1000000" },
      "live-files": { type: "string", default: "20000" },
      "batch-size": { type: "string", default: "500" },
      seed: { type: "string" },
      workers: { type: "string" },
      "hang-ms": { type: "string", default: "2000" },
      "reply-timeout-ms": { type: "string", default: "30000" },
      "max-log-bytes-per-file": {
        type: "string",
        default: String(DEFAULT_LIVE_THRESHOLDS.maxLogBytesPerFile),
      },
      "max-log-line-bytes": {
        type: "string",
        default: String(DEFAULT_LIVE_THRESHOLDS.maxLogLineBytes),
      },
      "max-rss-growth-mb": {
        type: "string",
        default: String(DEFAULT_LIVE_THRESHOLDS.maxRssGrowthMb),
      },
      "fd-margin": { type: "string", default: "5" },
      "live-max-generated-bytes": { type: "string", default: "65536" },
      replay: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  return {
    help: values.help,
    replay: values.replay,
    parserFiles: count(values["parser-files"], "--parser-files"),
    liveFiles: count(values["live-files"], "--live-files"),
    batchSize: count(values["batch-size"], "--batch-size", 1),
    // Random unless given, and always printed, so any run can be repeated.
    seed: values.seed === undefined
      ? crypto.getRandomValues(new Uint32Array(1))[0]
      : count(values.seed, "--seed", 0, 0xffffffff),
    workers: values.workers === undefined ? undefined : count(values.workers, "--workers", 1),
    hangMs: count(values["hang-ms"], "--hang-ms", 1),
    replyTimeoutMs: count(values["reply-timeout-ms"], "--reply-timeout-ms", 1),
    maxLogBytesPerFile: limit(values["max-log-bytes-per-file"], "--max-log-bytes-per-file"),
    maxLogLineBytes: limit(values["max-log-line-bytes"], "--max-log-line-bytes"),
    maxRssGrowthMb: limit(values["max-rss-growth-mb"], "--max-rss-growth-mb"),
    fdMargin: count(values["fd-margin"], "--fd-margin"),
    liveMaxGeneratedBytes: count(
      values["live-max-generated-bytes"],
      "--live-max-generated-bytes",
      1,
    ),
  };
}

/** A whole number within bounds; `1_000_000` and `1,000,000` are fine too. */
function count(text: string, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text.replace(/[_,]/g, ""));
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} wants a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

/** A threshold, or `off` for none. */
function limit(text: string, name: string): number | undefined {
  if (text === "off") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new UsageError(`${name} wants a number or "off", not "${text}"`);
  }
  return value;
}
