import assert from "node:assert/strict";
import { CursorTracker } from "../../src/console/cursor_tracker.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("CursorTracker: a full row wraps only when the next character comes", () => {
  const tracker = new CursorTracker(10);
  tracker.feed(bytes("x".repeat(10)));
  assert.equal(tracker.row, 0);
  tracker.feed(bytes("•"));
  assert.equal(tracker.row, 1);
  tracker.feed(bytes("•".repeat(9) + "\x1b[0;1m•"));
  assert.equal(tracker.row, 2, "colours take no room; bullets one column each");
});

Deno.test("CursorTracker: backspace stops at a row's start; wide characters take two columns", () => {
  const tracker = new CursorTracker(4);
  tracker.feed(bytes("abcd\b\b\b\b\be"));
  assert.equal(tracker.row, 0, "backspace never goes up");
  const wide = new CursorTracker(4);
  wide.feed(bytes("漢字漢"));
  assert.equal(wide.row, 1);
  wide.feed(bytes("a\u0301"));
  assert.equal(wide.row, 1, "a combining mark takes none");
});

Deno.test("CursorTracker: an unknown width never wraps; newline starts a row", () => {
  const tracker = new CursorTracker(undefined);
  tracker.feed(bytes("y".repeat(500)));
  assert.equal(tracker.row, 0);
  tracker.feed(bytes("\r\n"));
  assert.equal(tracker.row, 1);
});

Deno.test("CursorTracker.render: an erase at a row's start goes up and blanks the last column", () => {
  const tracker = new CursorTracker(4);
  tracker.feed(bytes("abcde"));
  const out = new TextDecoder().decode(tracker.render(bytes("\b \b\b \b")));
  // "e" at the start of row 1 erased as usual, "d" on row 0 through cursor moves.
  assert.equal(out, "\b \b\x1b[A\x1b[4G \x1b[4G");
  assert.equal(tracker.row, 0);
});

Deno.test("CursorTracker.render: an erase with a wrap pending blanks the last column, not the one before", () => {
  const tracker = new CursorTracker(4);
  tracker.feed(bytes("abcd"));
  assert.equal(new TextDecoder().decode(tracker.render(bytes("\b \b"))), "\x1b[4G \x1b[4G");
  assert.equal(new TextDecoder().decode(tracker.render(bytes("\b \b"))), "\b \b");
});

Deno.test("CursorTracker.render: nothing changes without a known width or without backspace", () => {
  const input = bytes("ab\b \b");
  assert.equal(new CursorTracker(undefined).render(input), input);
  const plain = bytes("abc");
  assert.equal(new CursorTracker(80).render(plain), plain);
});
