import assert from "node:assert/strict";
import {
  flag,
  reportUsageError,
  required,
  seconds,
  splitOption,
  UsageError,
} from "../../src/cli/command_line_options.ts";
import { UsageError as ReexportedUsageError } from "../../src/cli/parse_command_line.ts";

Deno.test("splitOption: the name, and what follows the first = (empty after a bare =)", () => {
  assert.deepEqual(splitOption("--echo"), ["--echo", undefined]);
  assert.deepEqual(splitOption("--id="), ["--id", ""]);
  assert.deepEqual(splitOption("--socket=@a=b"), ["--socket", "@a=b"]);
});

Deno.test("flag: alone or yes/no in systemd's spellings; anything else is one line", () => {
  assert.equal(flag("--echo", undefined), true);
  for (const yes of ["1", "yes", "TRUE", "On"]) assert.equal(flag("--echo", yes), true);
  for (const no of ["0", "no", "False", "OFF"]) assert.equal(flag("--echo", no), false);
  assert.throws(
    () => flag("--echo", "maybe"),
    new UsageError("--echo takes no value other than yes or no"),
  );
});

Deno.test("required: an empty or missing value says what the option needs", () => {
  assert.equal(required("--id", "root"), "root");
  assert.throws(() => required("--id", undefined), new UsageError("--id= needs a value"));
  assert.throws(
    () => required("--console", "", "a device, e.g. --console=/dev/ttyS0"),
    new UsageError("--console= needs a device, e.g. --console=/dev/ttyS0"),
  );
});

Deno.test("seconds: digits with a fraction; the message quotes the value or names the range", () => {
  assert.equal(seconds("--wait", "1.5", { example: 10 }), 1.5);
  assert.throws(
    () => seconds("--wait", "-1", { example: 10 }),
    new UsageError('--wait= needs seconds, e.g. --wait=10, not "-1"'),
  );
  assert.throws(() => seconds("--wait", "1e3", { example: 10 }), UsageError);
  assert.equal(seconds("--cache-time", "86400", { example: 150, max: 86400 }), 86400);
  assert.throws(
    () => seconds("--cache-time", "86400.5", { example: 150, max: 86400 }),
    new UsageError("--cache-time= needs seconds from 0 to 86400, e.g. --cache-time=150"),
  );
});

Deno.test("seconds: a number too long to be finite passes only where finite is not asked", () => {
  const huge = "9".repeat(400);
  assert.equal(seconds("--wait", huge, { example: 10 }), Infinity);
  assert.throws(
    () => seconds("--timeout", huge, { example: 90, finite: true }),
    /^UsageError: --timeout= needs seconds, e\.g\. --timeout=90, not "9{400}"$/,
  );
});

Deno.test("reportUsageError: one line pointing to --help, status 2; other errors go on", () => {
  const lines: string[] = [];
  const original = console.error;
  console.error = (line: string) => lines.push(line);
  try {
    assert.equal(reportUsageError("askpw ask", new UsageError('unknown option "-x" for ask')), 2);
  } finally {
    console.error = original;
  }
  assert.deepEqual(lines, ['askpw ask: unknown option "-x" for ask (see askpw ask --help)']);
  const other = new TypeError("not a usage error");
  assert.throws(() => reportUsageError("askpw", other), other);
});

Deno.test("UsageError: parse_command_line.ts hands on the same class", () => {
  assert.equal(ReexportedUsageError, UsageError);
});
