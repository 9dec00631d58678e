import assert from "node:assert/strict";
import { concatBytes } from "../../src/ffi/concat_bytes.ts";
import {
  type EchoMode,
  englishWords,
  LineEditor,
  type LineEditorOptions,
  type LineOutcome,
} from "../../src/console/line_editor.ts";

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

// Ctrl-R reveal (the `reveal` option) and translated words.

const CTRL_R = "\x12";

/** Like run(), with any options. */
function runWith(options: LineEditorOptions, input: Uint8Array | string) {
  const editor = new LineEditor(options);
  const hint = editor.begin();
  const result = editor.feed(typeof input === "string" ? b(input) : input);
  return { editor, hint, ...result };
}

const revealing = { mode: "masked", reveal: true } as const;

Deno.test("LineEditor reveals on Ctrl-R: the bullets are erased and the characters shown", () => {
  const { output, outcome, editor } = runWith(revealing, `ab${CTRL_R}`);
  assert.deepEqual(output, concat(HINT_ERASE, BULLET, BULLET, ERASE, ERASE, b("ab")));
  assert.equal(outcome, undefined);
  assert.equal(editor.revealed, true);
  assert.equal(editor.mode, "masked");
  assert.deepEqual(editor.value, b("ab"));
});

Deno.test("LineEditor conceals on a second Ctrl-R: the characters are erased and bullets shown", () => {
  const { output, editor } = runWith(revealing, `ab${CTRL_R}${CTRL_R}c`);
  assert.deepEqual(
    output,
    concat(HINT_ERASE, BULLET, BULLET, ERASE, ERASE, b("ab"), ERASE, ERASE, BULLET, BULLET, BULLET),
  );
  assert.equal(editor.revealed, false);
  assert.deepEqual(editor.value, b("abc"));
});

Deno.test("LineEditor reveals on Ctrl-R as the first key, with nothing typed", () => {
  const { output, editor } = runWith(revealing, CTRL_R);
  assert.deepEqual(output, HINT_ERASE);
  assert.equal(editor.revealed, true);
});

Deno.test("LineEditor echoes characters typed while revealed", () => {
  const { output, editor } = runWith(revealing, `a${CTRL_R}b\u00e4\u{1f510}`);
  assert.deepEqual(output, concat(HINT_ERASE, BULLET, ERASE, b("ab\u00e4\u{1f510}")));
  assert.deepEqual(editor.value, b("ab\u00e4\u{1f510}"));
});

Deno.test("LineEditor erases by width on backspace while revealed", () => {
  const { output, editor } = runWith(revealing, `a\u6f22${CTRL_R}\x7f\x7f`);
  assert.deepEqual(
    output,
    concat(HINT_ERASE, BULLET, BULLET, ERASE, ERASE, b("a\u6f22"), ERASE, ERASE, ERASE),
  );
  assert.equal(editor.value.length, 0);
  assert.equal(editor.revealed, true);
});

Deno.test("LineEditor reveals and conceals a wide character by its two columns", () => {
  const { output } = runWith(revealing, `\u6f22${CTRL_R}${CTRL_R}`);
  assert.deepEqual(output, concat(HINT_ERASE, BULLET, ERASE, b("\u6f22"), ERASE, ERASE, BULLET));
});

Deno.test("LineEditor erases nothing for a combining mark while revealed", () => {
  // "e" + U+0301: two characters, two bullets, but one column when shown.
  const toggled = runWith(revealing, `e\u0301${CTRL_R}${CTRL_R}`);
  assert.deepEqual(
    toggled.output,
    concat(HINT_ERASE, BULLET, BULLET, ERASE, ERASE, b("e\u0301"), ERASE, BULLET, BULLET),
  );

  const backspace = runWith(revealing, `e\u0301${CTRL_R}\x7f`);
  assert.deepEqual(
    backspace.output,
    concat(HINT_ERASE, BULLET, BULLET, ERASE, ERASE, b("e\u0301")),
  );
  assert.deepEqual(backspace.editor.value, b("e"));
});

Deno.test("LineEditor erases by width on Ctrl-U while revealed", () => {
  const { output, editor } = runWith(revealing, `\u6f22e\u0301${CTRL_R}\x15x`);
  assert.deepEqual(
    output,
    concat(
      HINT_ERASE,
      repeat("\u2022", 3),
      repeat("\b \b", 3),
      b("\u6f22e\u0301"),
      ERASE,
      ERASE,
      ERASE,
      b("x"),
    ),
  );
  assert.deepEqual(editor.value, b("x"));
  assert.equal(editor.revealed, true);
});

Deno.test("LineEditor reveals invalid UTF-8 and C1 controls as U+FFFD, one column each", () => {
  const input = concat(new Uint8Array([0x61, 0xff, 0xc2, 0x9b, 0xe2, 0x82]), b(CTRL_R + CTRL_R));
  const { output, editor } = runWith(revealing, input);
  // The interrupted E2 82 is one more character, shown before the toggle.
  assert.deepEqual(
    output,
    concat(
      HINT_ERASE,
      repeat("\u2022", 4),
      repeat("\b \b", 4),
      b("a\ufffd\ufffd\ufffd"),
      repeat("\b \b", 4),
      repeat("\u2022", 4),
    ),
  );
  assert.deepEqual(editor.value, new Uint8Array([0x61, 0xff, 0xc2, 0x9b, 0xe2, 0x82]));
});

Deno.test("LineEditor conceals before the newline on Enter while revealed", () => {
  const { output, outcome, editor } = runWith(revealing, `a\u6f22${CTRL_R}\r`);
  assert.deepEqual(
    output,
    concat(
      HINT_ERASE,
      BULLET,
      BULLET,
      ERASE,
      ERASE,
      b("a\u6f22"),
      repeat("\b \b", 3),
      BULLET,
      BULLET,
      NEWLINE,
    ),
  );
  assert.equal(outcome, "submit");
  assert.equal(editor.revealed, false);
  assert.deepEqual(editor.value, b("a\u6f22"));
});

Deno.test("LineEditor conceals before (skipped) and (cancelled) while revealed", () => {
  const skip = runWith(revealing, `ab${CTRL_R}\x04`);
  assert.deepEqual(
    skip.output,
    concat(
      HINT_ERASE,
      BULLET,
      BULLET,
      ERASE,
      ERASE,
      b("ab"),
      ERASE,
      ERASE,
      BULLET,
      BULLET,
      b("(skipped)\n"),
    ),
  );
  assert.equal(skip.outcome, "skip");
  assert.equal(skip.editor.revealed, false);

  const cancel = runWith(revealing, `ab${CTRL_R}\x03`);
  assert.deepEqual(
    cancel.output,
    concat(
      HINT_ERASE,
      BULLET,
      BULLET,
      ERASE,
      ERASE,
      b("ab"),
      ERASE,
      ERASE,
      BULLET,
      BULLET,
      b("(cancelled)\n"),
    ),
  );
  assert.equal(cancel.outcome, "cancel");
  assert.equal(cancel.editor.revealed, false);
});

Deno.test("LineEditor.conceal() erases revealed characters and masks them again", () => {
  const { editor } = runWith(revealing, `\u6f22b${CTRL_R}`);
  assert.deepEqual(editor.conceal(), concat(repeat("\b \b", 3), BULLET, BULLET));
  assert.equal(editor.revealed, false);
  assert.equal(editor.mode, "masked");
  assert.deepEqual(editor.conceal(), new Uint8Array(0));
  assert.deepEqual(editor.feed(b("c")).output, BULLET);
  assert.deepEqual(editor.value, b("\u6f22bc"));
});

Deno.test("LineEditor.conceal() returns nothing unless revealed", () => {
  assert.deepEqual(runWith(revealing, "ab").editor.conceal(), new Uint8Array(0));
  assert.deepEqual(run("masked", "ab").editor.conceal(), new Uint8Array(0));
  assert.deepEqual(run("echo", "ab").editor.conceal(), new Uint8Array(0));
  assert.equal(run("echo", "ab").editor.revealed, false);
});

Deno.test("LineEditor rings the bell on Ctrl-R in silent and echo mode and without reveal", () => {
  const off = run("masked", `ab${CTRL_R}`);
  assert.deepEqual(off.output, concat(HINT_ERASE, BULLET, BULLET, BELL));
  assert.equal(off.editor.revealed, false);

  const echo = runWith({ mode: "echo", reveal: true }, `ab${CTRL_R}`);
  assert.deepEqual(echo.output, b("ab\x07"));
  assert.equal(echo.editor.revealed, false);

  const silent = runWith({ mode: "silent", reveal: true }, `ab${CTRL_R}`);
  assert.deepEqual(silent.output, BELL);
  assert.equal(silent.editor.revealed, false);

  const afterTab = runWith(revealing, `a\t${CTRL_R}`);
  assert.deepEqual(afterTab.output, concat(HINT_ERASE, BULLET, ERASE, NO_ECHO, BELL));
  assert.equal(afterTab.editor.revealed, false);
  assert.deepEqual(afterTab.editor.value, b("a"));
});

Deno.test("LineEditor goes silent on TAB while revealed, erasing the shown characters by width", () => {
  const { output, editor } = runWith(revealing, `a\u6f22${CTRL_R}\t${CTRL_R}b\r`);
  assert.deepEqual(
    output,
    concat(
      HINT_ERASE,
      BULLET,
      BULLET,
      ERASE,
      ERASE,
      b("a\u6f22"),
      repeat("\b \b", 3),
      NO_ECHO,
      BELL,
      NEWLINE,
    ),
  );
  assert.equal(editor.mode, "silent");
  assert.equal(editor.revealed, false);
  assert.deepEqual(editor.value, b("a\u6f22b"));
});

Deno.test("LineEditor goes silent on backspace as the first key after Ctrl-R", () => {
  const { output, editor } = runWith(revealing, `${CTRL_R}\x7fa`);
  assert.deepEqual(output, concat(HINT_ERASE, NO_ECHO));
  assert.equal(editor.mode, "silent");
  assert.equal(editor.revealed, false);
});

Deno.test("LineEditor.wipe() leaves nothing revealed", () => {
  const { editor } = runWith(revealing, `ab${CTRL_R}`);
  editor.wipe();
  assert.equal(editor.revealed, false);
  assert.deepEqual(editor.conceal(), new Uint8Array(0));
});

Deno.test("englishWords are the default words, systemd's", () => {
  assert.deepEqual({ ...englishWords }, {
    hint: "(press TAB for no echo) ",
    noEcho: "(no echo) ",
    skipped: "(skipped)\n",
    cancelled: "(cancelled)\n",
  });
  assert.ok(Object.isFrozen(englishWords));
  const { output, hint } = runWith({ mode: "masked", words: {} }, "\t\x04");
  assert.deepEqual(hint, HINT);
  assert.deepEqual(output, concat(HINT_ERASE, NO_ECHO, b("(skipped)\n")));
});

Deno.test("LineEditor prints translated words", () => {
  const words = {
    hint: "(Tabulator: keine Anzeige) ",
    noEcho: "(keine Anzeige) ",
    skipped: "(\u00fcbersprungen)\n",
    cancelled: "(abgebrochen)\n",
  };
  const skip = runWith({ mode: "masked", words }, "\t\x04");
  assert.deepEqual(skip.hint, b(words.hint));
  assert.deepEqual(skip.output, concat(repeat("\b \b", 27), b(words.noEcho), b(words.skipped)));

  const cancel = runWith({ mode: "echo", words }, "\x7f\x03");
  assert.deepEqual(cancel.hint, new Uint8Array(0));
  assert.deepEqual(cancel.output, b(words.noEcho + words.cancelled));
});

Deno.test("LineEditor takes some words and the English ones for the rest", () => {
  const words = { noEcho: "(stumm) ", skipped: undefined };
  const { output, hint } = runWith({ mode: "masked", words }, "\t\x03");
  assert.deepEqual(hint, HINT);
  assert.deepEqual(output, concat(HINT_ERASE, b("(stumm) (cancelled)\n")));
});

Deno.test("LineEditor erases a non-ASCII hint by its columns, not its bytes", () => {
  // 28 columns in 29 bytes: "ü" takes two bytes and one column.
  const german = runWith({ mode: "masked", words: { hint: "(TAB drücken: ohne Anzeige) " } }, "a");
  assert.equal(german.hint.length, 29);
  assert.deepEqual(german.output, concat(repeat("\b \b", 28), BULLET));

  // Six wide characters and six ASCII ones: 18 columns in 24 bytes.
  const japanese = runWith({ mode: "masked", words: { hint: "(TABで表示しない) " } }, "a");
  assert.equal(japanese.hint.length, 24);
  assert.deepEqual(japanese.output, concat(repeat("\b \b", 18), BULLET));

  // Two combining accents: 9 columns in 11 characters.
  const combining = runWith({ mode: "masked", words: { hint: "(re\u0301sume\u0301) " } }, "a");
  assert.deepEqual(combining.output, concat(repeat("\b \b", 9), BULLET));
});
