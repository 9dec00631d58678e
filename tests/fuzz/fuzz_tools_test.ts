/**
 * The fuzzers' own parts: the generator is deterministic and covers what it
 * promises, the invariants catch what they are for, the log meter and the
 * process probe measure right.
 */
import assert from "node:assert/strict";
import { ASK_FILE_ORIGINS, generateAskFile, LINE_LIMIT } from "../../fuzz/ask_file_generator.ts";
import { longLineAskFile } from "../../fuzz/ask_file_grammar.ts";
import { deriveSeed, Prng } from "../../fuzz/prng.ts";
import { acceptedFieldsProblem, repeatedParseProblem } from "../../fuzz/parser_invariants.ts";
import { findAgentProcess, LogMeter, sampleProcess } from "../../fuzz/agent_probe.ts";
import { AskFileSyntaxError, parseAskFile } from "../../src/protocol/parse_ask_file.ts";

Deno.test("generator: the same seed and index give the same bytes, other seeds other bytes", () => {
  const same = [0, 1, 999, 123_456].every((index) =>
    generateAskFile(7, index).bytes.join() === generateAskFile(7, index).bytes.join()
  );
  assert.ok(same);
  const differing = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((index) =>
    generateAskFile(7, index).bytes.join() !== generateAskFile(8, index).bytes.join()
  );
  assert.ok(differing.length >= 9, `only ${differing.length} of 10 inputs differ between seeds`);
});

Deno.test("prng: derived seeds differ for neighbouring indices and sequences repeat", () => {
  const seeds = new Set(Array.from({ length: 10_000 }, (_, index) => deriveSeed(1, index)));
  assert.equal(seeds.size, 10_000);
  const a = new Prng(5);
  const b = new Prng(5);
  assert.deepEqual([a.nextUint32(), a.below(10), a.between(3, 4)], [
    b.nextUint32(),
    b.below(10),
    b.between(3, 4),
  ]);
});

Deno.test("generator: valid files parse, and the mix reaches every origin and short-line rejection", () => {
  const origins = new Set<string>();
  const reasons = new Set<string>();
  let otherTerminators = 0;
  for (let index = 0; index < 40_000; index++) {
    const input = generateAskFile(3, index);
    origins.add(input.origin);
    // Long lines are the parser fuzzer's business: some take the parser minutes.
    if (input.origin === "long-line") continue;
    if (input.bytes.includes(0x0d) || input.bytes.includes(0x00)) otherTerminators++;
    try {
      parseAskFile(input.bytes);
    } catch (error) {
      assert.ok(error instanceof AskFileSyntaxError, String(error));
      assert.notEqual(
        input.origin,
        "valid",
        `valid input #${index} was rejected: ${error.message}`,
      );
      reasons.add(error.message.replace(/ at line \d+$/, ""));
    }
  }
  assert.deepEqual([...origins].sort(), [...ASK_FILE_ORIGINS].sort());
  assert.deepEqual([...reasons].sort(), [
    "Invalid UTF-8",
    "Unsafe characters in section header",
    "Unterminated section header",
  ]);
  assert.ok(otherTerminators > 10_000, `only ${otherTerminators} files use \\r or \\0 line ends`);
});

Deno.test("generator: long lines hit the 1 MiB limit's edges, whole and split by a continuation", () => {
  const longest = new Set<number>();
  let split = 0;
  for (let seed = 0; seed < 300; seed++) {
    const file = longLineAskFile(new Prng(seed));
    const lines = file.split(/[\n\r\0]/);
    longest.add(Math.max(...lines.map((line) => line.length)));
    // Without a continuation there is one long line; head and tail lines are short.
    if (lines.filter((line) => line.length > 100).length >= 2) split++;
  }
  for (const edge of [LINE_LIMIT - 1, LINE_LIMIT, LINE_LIMIT + 1]) {
    assert.ok(longest.has(edge), `no line of exactly ${edge} bytes`);
  }
  assert.ok(split > 10, `only ${split} long lines split by a continuation`);
});

Deno.test("invariants: wrong field types and a changed second parse are caught", () => {
  const fields = parseAskFile(new TextEncoder().encode("[Ask]\nSocket=/s\nMessage=m\n"));
  assert.equal(acceptedFieldsProblem(fields), undefined);
  assert.match(acceptedFieldsProblem({ ...fields, notAfter: 5 as unknown as bigint })!, /notAfter/);
  assert.match(acceptedFieldsProblem({ ...fields, message: " m" })!, /stripped/);
  assert.match(acceptedFieldsProblem({ ...fields, socket: "/s\\x" })!, /string_is_safe/);
  assert.match(acceptedFieldsProblem({ ...fields, pid: -1 })!, /pid/);
  const bytes = new TextEncoder().encode("[Ask]\nSocket=/s\nMessage=m\n");
  assert.equal(repeatedParseProblem(bytes, fields), undefined);
  assert.match(repeatedParseProblem(bytes, { ...fields, message: "other" })!, /message/);
});

Deno.test("log meter: counts UTF-8 bytes and lines across updates and finds the longest line", () => {
  const meter = new LogMeter();
  meter.update("a\nbé");
  meter.update("a\nbé€🔐\n");
  assert.equal(meter.bytes, 2 + 1 + 2 + 3 + 4 + 1);
  assert.equal(meter.lines, 2);
  assert.equal(meter.longestLineBytes, 1 + 2 + 3 + 4);
});

Deno.test("process probe: this process is deno, with memory, threads and descriptors", async () => {
  const found = await findAgentProcess(Deno.pid, 1000);
  assert.equal(found.pid, Deno.pid);
  const sample = sampleProcess(Deno.pid);
  assert.ok(sample.rssKb > 1000 && sample.threads >= 1 && sample.fds >= 3, JSON.stringify(sample));
});
