/**
 * The CI slice of `deno task fuzz`: a short parser run and a short live run,
 * with the same failure conditions as the full task (see fuzz/main.ts).
 * Needs root for the live part, as the integration tests do.
 */
import assert from "node:assert/strict";
import { formatParserFuzzReport, runParserFuzz } from "../../fuzz/parser_fuzz.ts";
import {
  DEFAULT_LIVE_THRESHOLDS,
  formatLiveFuzzReport,
  runLiveFuzz,
} from "../../fuzz/live_fuzz.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
/** Fixed, so CI fuzzes the same inputs every time; `deno task fuzz` picks new ones. */
const SEED = 1;

Deno.test({
  ...options,
  name: "parser: 50,000 generated and mutated ask files raise only AskFileSyntaxError, " +
    "never hang, and accepted ones keep the documented field types",
}, async () => {
  const report = await runParserFuzz({ files: 50_000, seed: SEED });
  const text = formatParserFuzzReport(report);
  assert.equal(report.stats.files, 50_000, text);
  // The generator must reach both outcomes, or the run proves little.
  assert.ok(report.stats.accepted > 10_000 && report.stats.rejected > 10_000, text);
  assert.ok(report.passed, text);
});

Deno.test({
  ...options,
  name: "live: while 2,000 hostile ask files come and go in 4 batches, askpw answers each " +
    "valid request exactly and keeps its descriptors, memory and log bounded",
}, async () => {
  const report = await runLiveFuzz({
    files: 2000,
    batchSize: 500,
    seed: SEED,
    ...DEFAULT_LIVE_THRESHOLDS,
  });
  const text = formatLiveFuzzReport(report);
  assert.equal(report.files, 2000, text);
  assert.ok(report.passed, text);
});
