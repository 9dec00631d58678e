import assert from "node:assert/strict";
import { sanitizeMessage } from "../../src/protocol/sanitize_message.ts";

function codePoints(text: string): number {
  return [...text].length;
}

Deno.test("sanitizeMessage() leaves normal UTF-8 text untouched", () => {
  for (
    const message of [
      "Password:",
      "Please enter passphrase for disk Samsung SSD (luks-3f1a\\x2d09):",
      "Passwort für Festplatte 🔐 — ½ «ok»:",
      "ディスクのパスワード:",
      "שלום", // right-to-left text itself is fine, only overrides are not
    ]
  ) {
    assert.equal(sanitizeMessage(message), message);
  }
  assert.equal(sanitizeMessage(""), "");
});

Deno.test("sanitizeMessage() escapes ESC so no escape sequence reaches the terminal", () => {
  assert.equal(sanitizeMessage("\x1b[2J\x1b[HPassword:"), "\\x1b[2J\\x1b[HPassword:");
  assert.equal(
    sanitizeMessage("\x1b]0;owned\x07Disk:"),
    "\\x1b]0;owned\\x07Disk:",
  );
  assert.equal(sanitizeMessage("\x1bP+q\x1b\\"), "\\x1bP+q\\x1b\\");
});

Deno.test("sanitizeMessage() escapes CR, LF and the other C0 controls and DEL", () => {
  assert.equal(sanitizeMessage("a\r\nb"), "a\\x0d\\x0ab");
  assert.equal(sanitizeMessage("\0\x01\b\t\x1f\x7f"), "\\x00\\x01\\x08\\x09\\x1f\\x7f");
});

Deno.test("sanitizeMessage() escapes C1 controls", () => {
  assert.equal(sanitizeMessage("a\u009b2Jb"), "a\\x9b2Jb");
  assert.equal(sanitizeMessage("\u0080\u0085\u009d\u009f\u00a0"), "\\x80\\x85\\x9d\\x9f\u00a0");
});

Deno.test("sanitizeMessage() escapes bidi controls and line separators", () => {
  assert.equal(sanitizeMessage("disk \u202efdp.exe"), "disk \\u202efdp.exe");
  assert.equal(
    sanitizeMessage("\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069"),
    "\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069",
  );
  assert.equal(sanitizeMessage("a\u2028b\u2029c"), "a\\u2028b\\u2029c");
});

Deno.test("sanitizeMessage() escapes lone surrogates", () => {
  assert.equal(sanitizeMessage("a\ud800b\udfffc"), "a\\ud800b\\udfffc");
});

Deno.test("sanitizeMessage() cuts long messages to 512 code points with an ellipsis", () => {
  const long = sanitizeMessage("a".repeat(600));
  assert.equal(long, "a".repeat(511) + "\u2026");
  assert.equal(codePoints(long), 512);

  assert.equal(sanitizeMessage("a".repeat(512)), "a".repeat(512));
  assert.equal(sanitizeMessage("a".repeat(513)), "a".repeat(511) + "\u2026");
});

Deno.test("sanitizeMessage() counts code points, not UTF-16 units", () => {
  const result = sanitizeMessage("🔐".repeat(600));
  assert.equal(result, "🔐".repeat(511) + "\u2026");
  assert.equal(codePoints(result), 512);
  assert.equal(sanitizeMessage("🔐".repeat(512)), "🔐".repeat(512));
});

Deno.test("sanitizeMessage() counts escapes in the limit and never cuts one in half", () => {
  assert.equal(sanitizeMessage("a".repeat(508) + "\x1b"), "a".repeat(508) + "\\x1b");
  assert.equal(sanitizeMessage("a".repeat(509) + "\x1b"), "a".repeat(509) + "\u2026");
  assert.equal(
    sanitizeMessage("a".repeat(505) + "\u202e" + "b"),
    "a".repeat(505) + "\\u202e" + "b",
  );
  // The escape would end exactly at 512, leaving no room for the ellipsis.
  assert.equal(sanitizeMessage("a".repeat(506) + "\u202e" + "b"), "a".repeat(506) + "\u2026");
});
