import assert from "node:assert/strict";
import { concatBytes } from "../../src/concat_bytes.ts";
import { type EchoMode, LineEditor, type LineOutcome } from "../../src/console/line_editor.ts";

const encoder = new TextEncoder();

/** Encodes a test literal (never a real secret). */
function b(text: string): Uint8Array {
  return encoder.encode(text);
}

const concat = (...parts: Uint8Array[]) => concatBytes(parts);

function repeat(text: string, count: number): Uint8Array {
  return b(text.repeat(count));
}

const HINT = b("(press TAB for no echo) ");
const HINT_ERASE = repeat("\b \b", 24);
const ERASE = b("\b \b");
const BULLET = b("\u2022");
const BELL = b("\x07");
const NO_ECHO = b("(no echo) ");
const NEWLINE = b("\n");

/** Feeds `input` in one chunk, after `begin()`, and returns the result. */
function run(mode: EchoMode, input: Uint8Array | string, maxBytes?: number) {
  const editor = new LineEditor({ mode, maxBytes });
  const hint = editor.begin();
  const result = editor.feed(typeof input === "string" ? b(input) : input);
  return { editor, hint, ...result };
}

/** Feeds each byte separately and returns the concatenated output. */
function feedBytewise(editor: LineEditor, input: Uint8Array): {
  output: Uint8Array;
  outcome?: LineOutcome;
} {
  const parts: Uint8Array[] = [];
  let outcome: LineOutcome | undefined;
  for (const byte of input) {
    const result = editor.feed(new Uint8Array([byte]));
    parts.push(result.output);
    outcome = result.outcome;
  }
  return { output: concat(...parts), outcome };
}

Deno.test("LineEditor.begin() returns the 24-byte hint in masked mode only", () => {
  assert.deepEqual(new LineEditor({ mode: "masked" }).begin(), HINT);
  assert.equal(HINT.length, 24);
  assert.deepEqual(new LineEditor({ mode: "echo" }).begin(), new Uint8Array(0));
  assert.deepEqual(new LineEditor({ mode: "silent" }).begin(), new Uint8Array(0));
});

Deno.test("LineEditor.begin() returns nothing once input has started", () => {
  const editor = new LineEditor({ mode: "masked" });
  editor.feed(b("a"));
  assert.deepEqual(editor.begin(), new Uint8Array(0));
});

Deno.test("LineEditor shows one bullet per character in masked mode", () => {
  const { output, outcome, editor } = run("masked", "ab\u00e4\u20ac\u{1f510}\r");
  assert.deepEqual(output, concat(HINT_ERASE, repeat("\u2022", 5), NEWLINE));
  assert.equal(outcome, "submit");
  assert.deepEqual(editor.value, b("ab\u00e4\u20ac\u{1f510}"));
  assert.equal(editor.mode, "masked");
});

Deno.test("LineEditor echoes characters in echo mode", () => {
  const { output, outcome, editor } = run("echo", "p\u00e4\u{1f510}\r");
  assert.deepEqual(output, b("p\u00e4\u{1f510}\n"));
  assert.equal(outcome, "submit");
  assert.deepEqual(editor.value, b("p\u00e4\u{1f510}"));
});

Deno.test("LineEditor shows nothing in silent mode", () => {
  const { output, outcome, editor, hint } = run("silent", "abc\n");
  assert.deepEqual(hint, new Uint8Array(0));
  assert.deepEqual(output, NEWLINE);
  assert.equal(outcome, "submit");
  assert.deepEqual(editor.value, b("abc"));
});

Deno.test("LineEditor erases the hint on the first byte only, whatever it is", () => {
  const editor = new LineEditor({ mode: "masked" });
  editor.begin();
  assert.deepEqual(editor.feed(b("\x01")).output, concat(HINT_ERASE, BELL));
  assert.deepEqual(editor.feed(b("a")).output, BULLET);
  assert.deepEqual(editor.feed(b("b")).output, BULLET);
});

Deno.test("LineEditor does not erase a hint begin() was not asked for", () => {
  const editor = new LineEditor({ mode: "masked" });
  assert.deepEqual(editor.feed(b("a")).output, BULLET);
});

Deno.test("LineEditor does not erase a hint on an empty feed", () => {
  const editor = new LineEditor({ mode: "masked" });
  editor.begin();
  assert.deepEqual(editor.feed(new Uint8Array(0)), { output: new Uint8Array(0) });
  assert.deepEqual(editor.feed(b("a")).output, concat(HINT_ERASE, BULLET));
});

Deno.test("LineEditor submits on CR, LF and NUL and ignores what follows", () => {
  for (const enter of ["\r", "\n", "\0"]) {
    const { output, outcome, editor } = run("echo", `ab${enter}cd`);
    assert.deepEqual(output, b("ab\n"), JSON.stringify(enter));
    assert.equal(outcome, "submit");
    assert.deepEqual(editor.value, b("ab"));
  }
});

Deno.test("LineEditor submits an empty line", () => {
  const { output, outcome, editor } = run("masked", "\r");
  assert.deepEqual(output, concat(HINT_ERASE, NEWLINE));
  assert.equal(outcome, "submit");
  assert.equal(editor.value.length, 0);
});

Deno.test("LineEditor skips on Ctrl-D", () => {
  const { output, outcome } = run("masked", "ab\x04cd\r");
  assert.deepEqual(output, concat(HINT_ERASE, BULLET, BULLET, b("(skipped)\n")));
  assert.equal(outcome, "skip");
});

Deno.test("LineEditor cancels on Ctrl-C", () => {
  const { output, outcome } = run("silent", "ab\x03\r");
  assert.deepEqual(output, b("(cancelled)\n"));
  assert.equal(outcome, "cancel");
});

Deno.test("LineEditor returns the same outcome and no output after input ended", () => {
  const { editor } = run("echo", "ab\x04");
  assert.deepEqual(editor.feed(b("cd\r")), { output: new Uint8Array(0), outcome: "skip" });
  assert.deepEqual(editor.feed(new Uint8Array(0)), { output: new Uint8Array(0), outcome: "skip" });
  assert.deepEqual(editor.value, b("ab"));
});

Deno.test("LineEditor erases everything on Ctrl-U, one erase per character", () => {
  const masked = run("masked", "a\u00e4\u{1f510}\x15");
  assert.deepEqual(masked.output, concat(HINT_ERASE, repeat("\u2022", 3), repeat("\b \b", 3)));
  assert.equal(masked.editor.value.length, 0);
  assert.equal(masked.outcome, undefined);

  const echo = run("echo", "a\u00e4\x15");
  assert.deepEqual(echo.output, b("a\u00e4\b \b\b \b"));
  assert.equal(echo.editor.value.length, 0);

  const silent = run("silent", "a\u00e4\x15");
  assert.deepEqual(silent.output, new Uint8Array(0));
  assert.equal(silent.editor.value.length, 0);
});

Deno.test("LineEditor keeps working after Ctrl-U", () => {
  const { output, editor } = run("echo", "ab\x15cd\r");
  assert.deepEqual(output, b("ab\b \b\b \bcd\n"));
  assert.deepEqual(editor.value, b("cd"));
});

Deno.test("LineEditor zeroes the erased bytes on Ctrl-U", () => {
  const editor = new LineEditor({ mode: "masked", maxBytes: 4 });
  editor.feed(b("abc"));
  const view = editor.value;
  editor.feed(b("\x15"));
  assert.deepEqual(view, new Uint8Array(3));
});

Deno.test("LineEditor removes a whole multi-byte character on backspace", () => {
  const masked = run("masked", "p\u00e4\x7f");
  assert.deepEqual(masked.output, concat(HINT_ERASE, BULLET, BULLET, ERASE));
  assert.deepEqual(masked.editor.value, b("p"));

  const echo = run("echo", "p\u00e4\x08");
  assert.deepEqual(echo.output, b("p\u00e4\b \b"));
  assert.deepEqual(echo.editor.value, b("p"));

  const emoji = run("echo", "p\u{1f510}\x7f\x7f");
  assert.deepEqual(emoji.output, b("p\u{1f510}\b \b\b \b"));
  assert.equal(emoji.editor.value.length, 0);

  const silent = run("silent", "p\u20ac\x7f");
  assert.deepEqual(silent.output, new Uint8Array(0));
  assert.deepEqual(silent.editor.value, b("p"));
});

Deno.test("LineEditor zeroes the bytes removed by backspace", () => {
  const editor = new LineEditor({ mode: "masked", maxBytes: 4 });
  editor.feed(b("p\u00e4\x7f"));
  assert.deepEqual(editor.value, b("p"));
  // The view's buffer is the internal one, so look past the end of the value.
  const whole = new Uint8Array(editor.value.buffer, editor.value.byteOffset, 4);
  assert.deepEqual(whole, new Uint8Array([0x70, 0, 0, 0]));
});

Deno.test("LineEditor goes silent on backspace as the first key", () => {
  const masked = run("masked", "\x7fab\r");
  assert.deepEqual(masked.output, concat(HINT_ERASE, NO_ECHO, NEWLINE));
  assert.equal(masked.editor.mode, "silent");
  assert.deepEqual(masked.editor.value, b("ab"));

  const echo = run("echo", "\bab\r");
  assert.deepEqual(echo.output, concat(NO_ECHO, NEWLINE));
  assert.equal(echo.editor.mode, "silent");
  assert.deepEqual(echo.editor.value, b("ab"));
});

Deno.test("LineEditor rings the bell on backspace with an empty buffer after typing", () => {
  const { output, editor } = run("masked", "a\x7f\x7f");
  assert.deepEqual(output, concat(HINT_ERASE, BULLET, ERASE, BELL));
  assert.equal(editor.mode, "masked");
  assert.equal(editor.value.length, 0);
});

Deno.test("LineEditor rings the bell on backspace when already silent and empty", () => {
  assert.deepEqual(run("silent", "\x7f").output, BELL);
  assert.deepEqual(run("masked", "\x7f\x7f").output, concat(HINT_ERASE, NO_ECHO, BELL));
});

Deno.test("LineEditor goes silent on TAB, erasing what was shown and keeping the input", () => {
  const masked = run("masked", "a\u00e4\tb\r");
  assert.deepEqual(
    masked.output,
    concat(HINT_ERASE, BULLET, BULLET, ERASE, ERASE, NO_ECHO, NEWLINE),
  );
  assert.equal(masked.editor.mode, "silent");
  assert.deepEqual(masked.editor.value, b("a\u00e4b"));

  const echo = run("echo", "a\u00e4\t");
  assert.deepEqual(echo.output, b("a\u00e4\b \b\b \b(no echo) "));
  assert.equal(echo.editor.mode, "silent");
});

Deno.test("LineEditor rings the bell on TAB when already silent", () => {
  assert.deepEqual(run("silent", "a\t").output, BELL);
  const { output, editor } = run("masked", "\t\t");
  assert.deepEqual(output, concat(HINT_ERASE, NO_ECHO, BELL));
  assert.equal(editor.value.length, 0);
});

Deno.test("LineEditor swallows arrow keys entirely, with one bell each", () => {
  for (const key of ["\x1b[A", "\x1bOA", "\x1b[1;5C", "\x1b[3~", "\x1bx"]) {
    const { output, editor } = run("echo", `a${key}b`);
    assert.deepEqual(output, b("a\x07b"), JSON.stringify(key));
    assert.deepEqual(editor.value, b("ab"), JSON.stringify(key));
  }
});

Deno.test("LineEditor swallows escape sequences split across feeds", () => {
  const editor = new LineEditor({ mode: "masked" });
  editor.begin();
  const { output } = feedBytewise(editor, b("a\x1b[1;5Db\x1bOBc"));
  assert.deepEqual(output, concat(HINT_ERASE, BULLET, BELL, BULLET, BELL, BULLET));
  assert.deepEqual(editor.value, b("abc"));
});

Deno.test("LineEditor never swallows Enter, Ctrl-C or Ctrl-D into an escape sequence", () => {
  assert.equal(run("echo", "\x1b\r").outcome, "submit");
  assert.equal(run("echo", "\x1b[\x03").outcome, "cancel");
  assert.equal(run("echo", "\x1bO\x04").outcome, "skip");
});

Deno.test("LineEditor restarts an escape sequence on a second ESC", () => {
  const { output, editor } = run("echo", "\x1b\x1b[Aa");
  assert.deepEqual(output, b("\x07\x07a"));
  assert.deepEqual(editor.value, b("a"));
});

Deno.test("LineEditor rings the bell on other control characters and ignores them", () => {
  const { output, editor } = run("echo", "a\x01\x02\x05\x0b\x0c\x1f\x1cb");
  assert.deepEqual(output, b("a\x07\x07\x07\x07\x07\x07\x07b"));
  assert.deepEqual(editor.value, b("ab"));
});

Deno.test("LineEditor shows one bullet for a character fed one byte at a time", () => {
  const editor = new LineEditor({ mode: "masked" });
  editor.begin();
  assert.deepEqual(editor.feed(new Uint8Array([0xc3])).output, HINT_ERASE);
  assert.deepEqual(editor.feed(new Uint8Array([0xa4])).output, BULLET);
  assert.deepEqual(editor.feed(new Uint8Array([0xf0, 0x9f])).output, new Uint8Array(0));
  assert.deepEqual(editor.feed(new Uint8Array([0x94])).output, new Uint8Array(0));
  assert.deepEqual(editor.feed(new Uint8Array([0x90])).output, BULLET);
  assert.deepEqual(editor.value, b("\u00e4\u{1f510}"));
});

Deno.test("LineEditor echoes a character fed one byte at a time once complete", () => {
  const editor = new LineEditor({ mode: "echo" });
  assert.deepEqual(editor.feed(new Uint8Array([0xe2])).output, new Uint8Array(0));
  assert.deepEqual(editor.feed(new Uint8Array([0x82])).output, new Uint8Array(0));
  assert.deepEqual(editor.feed(new Uint8Array([0xac])).output, b("\u20ac"));
  assert.deepEqual(editor.value, b("\u20ac"));
});

Deno.test("LineEditor keeps invalid UTF-8 bytes, one shown character each", () => {
  // A lone continuation byte, an invalid lead byte and a truncated sequence.
  const input = new Uint8Array([0x80, 0xff, 0xe2, 0x82, 0x61]);
  const masked = run("masked", input);
  assert.deepEqual(masked.output, concat(HINT_ERASE, repeat("\u2022", 4)));
  assert.deepEqual(masked.editor.value, input);

  const echo = run("echo", input);
  assert.deepEqual(echo.output, b("\ufffd\ufffd\ufffda"));
});

Deno.test("LineEditor erases invalid UTF-8 exactly as it was shown", () => {
  const input = new Uint8Array([0x61, 0xe2, 0x82, 0x62, 0x80, 0x7f, 0x7f, 0x7f]);
  const { output, editor } = run("masked", input);
  assert.deepEqual(output, concat(HINT_ERASE, repeat("\u2022", 4), repeat("\b \b", 3)));
  assert.deepEqual(editor.value, b("a"));
});

Deno.test("LineEditor does not join bytes separated by a control character", () => {
  // The bell interrupts E2 82; the later AC must not complete it behind the
  // user's back.
  const input = new Uint8Array([0xe2, 0x82, 0x01, 0xac, 0x7f, 0x7f, 0x7f]);
  const { output, editor } = run("echo", input);
  assert.deepEqual(output, b("\ufffd\x07\ufffd\b \b\b \b\x07"));
  assert.equal(editor.value.length, 0);
});

Deno.test("LineEditor forgets an incomplete character on backspace without output", () => {
  const { output, editor } = run("echo", new Uint8Array([0x61, 0xc3, 0x7f, 0x62]));
  assert.deepEqual(output, b("ab"));
  assert.deepEqual(editor.value, b("ab"));
});

Deno.test("LineEditor replaces echoed C1 controls", () => {
  const { output, editor } = run("echo", "a\u009b2Jb");
  assert.deepEqual(output, b("a\ufffd2Jb"));
  assert.deepEqual(editor.value, b("a\u009b2Jb"));
});

Deno.test("LineEditor accepts 2047 bytes by default and rings the bell beyond", () => {
  const { output, editor } = run("silent", repeat("a", 2048));
  assert.deepEqual(output, BELL);
  assert.deepEqual(editor.value, repeat("a", 2047));
  assert.deepEqual(editor.feed(b("b\r")), { output: concat(BELL, NEWLINE), outcome: "submit" });
  assert.equal(editor.value.length, 2047);
});

Deno.test("LineEditor refuses a multi-byte character that does not fit", () => {
  const { output, editor } = run("masked", concat(repeat("a", 2046), b("\u00e4b")));
  assert.deepEqual(output, concat(HINT_ERASE, repeat("\u2022", 2046), BELL, BULLET));
  assert.deepEqual(editor.value, concat(repeat("a", 2046), b("b")));
});

Deno.test("LineEditor refuses a multi-byte character fed one byte at a time at the limit", () => {
  const editor = new LineEditor({ mode: "echo", maxBytes: 3 });
  editor.feed(b("ab"));
  const { output } = feedBytewise(editor, b("\u20ac\u00e4c"));
  assert.deepEqual(output, b("\x07\x07c"));
  assert.deepEqual(editor.value, b("abc"));
});

Deno.test("LineEditor fills up to a custom maxBytes with multi-byte characters", () => {
  const { output, editor } = run("echo", "\u00e4\u00e4\u00e4", 4);
  assert.deepEqual(output, b("\u00e4\u00e4\x07"));
  assert.deepEqual(editor.value, b("\u00e4\u00e4"));
});

Deno.test("LineEditor.wipe() zeroes the buffer", () => {
  const editor = new LineEditor({ mode: "masked" });
  editor.feed(b("secret\u00e4\r"));
  const view = editor.value;
  assert.deepEqual(view, b("secret\u00e4"));
  editor.wipe();
  assert.deepEqual(view, new Uint8Array(view.length));
  assert.ok(new Uint8Array(view.buffer).every((byte) => byte === 0));
  assert.equal(editor.value.length, 0);
});

Deno.test("LineEditor.value is a view into the internal buffer", () => {
  const editor = new LineEditor({ mode: "masked" });
  editor.feed(b("ab"));
  const first = editor.value;
  editor.feed(b("c"));
  assert.equal(editor.value.buffer, first.buffer);
  assert.equal(first.buffer.byteLength, 2047);
});

Deno.test("LineEditor rejects invalid options", () => {
  assert.throws(() => new LineEditor({ mode: "masked", maxBytes: 0 }), RangeError);
  assert.throws(() => new LineEditor({ mode: "masked", maxBytes: 1.5 }), RangeError);
  assert.throws(() => new LineEditor({ mode: "masked", maxBytes: NaN }), RangeError);
  assert.throws(() => new LineEditor({ mode: "loud" as EchoMode }), TypeError);
});
