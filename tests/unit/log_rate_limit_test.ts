import assert from "node:assert/strict";
import { createLogger } from "../../src/log/log.ts";
import { LogRateLimit } from "../../src/log/log_rate_limit.ts";

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ journal: false, write: (line) => lines.push(line) }) };
}

Deno.test("LogRateLimit: a burst per interval, then one summary line", () => {
  const { lines, log } = capture();
  let now = 0;
  using limit = new LogRateLimit(log, { burst: 3, intervalMs: 1000, now: () => now });
  for (let i = 0; i < 100; i++) limit.log("warning", "bad file", `Ignoring ${i}`);
  assert.equal(lines.length, 3);
  now = 1000;
  limit.log("warning", "bad file", "Ignoring again");
  assert.deepEqual(lines.slice(3), [
    'askpw: 97 more "bad file" lines suppressed in 1 s\n',
    "askpw: Ignoring again\n",
  ]);
});

Deno.test("LogRateLimit: each kind has its own budget", () => {
  const { lines, log } = capture();
  using limit = new LogRateLimit(log, { burst: 1, now: () => 0 });
  assert.ok(limit.log("warning", "a", "first a"));
  assert.ok(!limit.log("warning", "a", "second a"));
  assert.ok(limit.log("notice", "b", "first b"));
  assert.equal(lines.length, 2);
});

Deno.test("LogRateLimit: the summary comes when the interval ends, through one timer", () => {
  const { lines, log } = capture();
  const timers: (() => void)[] = [];
  const limit = new LogRateLimit(log, {
    burst: 1,
    intervalMs: 1000,
    now: () => 0,
    timers: {
      after: (_ms, callback) => {
        timers.push(callback);
        return { cancel() {} };
      },
    },
  });
  for (let i = 0; i < 50; i++) limit.log("warning", "flood", `line ${i}`);
  assert.equal(timers.length, 1, "one timer, not one per line");
  timers[0]();
  assert.deepEqual(lines, [
    "askpw: line 0\n",
    'askpw: 49 more "flood" lines suppressed in 1 s\n',
  ]);
});

Deno.test("Logger: no line is longer than MAX_LOG_LINE, whatever it is given", () => {
  const { lines, log } = capture();
  log.warning(`Ignoring ${"x".repeat(600_000)}`);
  assert.equal(lines.length, 1);
  assert.ok(lines[0].length <= 1000 + "askpw: \n".length, `line of ${lines[0].length}`);
  assert.match(lines[0], /… \(600009 chars\)\n$/);
});
