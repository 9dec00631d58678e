// Expected values marked "v252" were checked against systemd 252's
// `systemd-tty-ask-password-agent --list` with crafted ask files.
import assert from "node:assert/strict";
import {
  type AskFileFields,
  AskFileSyntaxError,
  parseAskFile,
} from "../../src/protocol/parse_ask_file.ts";

const MIB = 1024 * 1024;
const BOM = [0xef, 0xbb, 0xbf];

const DEFAULTS: AskFileFields = {
  pid: 0,
  socket: undefined,
  acceptCached: false,
  echo: false,
  silent: false,
  notAfter: 0n,
  message: undefined,
  icon: undefined,
  id: undefined,
};

/** File bytes from text (UTF-8) and raw byte lists. */
function bytes(...parts: (string | number[])[]): Uint8Array {
  const chunks = parts.map((part) =>
    typeof part === "string" ? new TextEncoder().encode(part) : new Uint8Array(part)
  );
  const result = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.length;
  }
  return result;
}

function parse(...parts: (string | number[])[]): AskFileFields {
  return parseAskFile(bytes(...parts));
}

/** Parses `text` inside an `[Ask]` section. */
function ask(text: string): AskFileFields {
  return parse("[Ask]\n", text);
}

function assertRejected(input: Uint8Array, message: string): void {
  assert.throws(
    () => parseAskFile(input),
    (error) => error instanceof AskFileSyntaxError && error.message === message,
  );
}

Deno.test("parseAskFile: verified v252 file", () => {
  const file = "[Ask]\nPID=9391\nSocket=/run/systemd/ask-password/sck.792dd030805b17ba\n" +
    "AcceptCached=1\nEcho=0\nNotAfter=833952331\nSilent=0\n" +
    'Message=Hello "world" \\ test\nIcon=drive-harddisk\nId=test:1\n';
  assert.deepEqual(parse(file), {
    pid: 9391,
    socket: "/run/systemd/ask-password/sck.792dd030805b17ba",
    acceptCached: true,
    echo: false,
    silent: false,
    notAfter: 833952331n,
    message: 'Hello "world" \\ test',
    icon: "drive-harddisk",
    id: "test:1",
  });
});

Deno.test("parseAskFile: empty file and empty section give the defaults", () => {
  assert.deepEqual(parse(""), DEFAULTS);
  assert.deepEqual(parse("[Ask]\n"), DEFAULTS);
});

Deno.test("parseAskFile: Socket is not required", () => {
  assert.deepEqual(ask("PID=5\n"), { ...DEFAULTS, pid: 5 });
});

Deno.test("parseAskFile: UTF-8 BOM at the start is skipped", () => {
  assert.equal(parse(BOM, "[Ask]\nMessage=m\n").message, "m");
});

Deno.test("parseAskFile: BOM is skipped on the first line that has one (v252)", () => {
  assert.equal(parse("\n", BOM, "[Ask]\nMessage=m\n").message, "m");
  assert.equal(parse("[Ask]\n", BOM, "Message=m\n").message, "m");
});

Deno.test("parseAskFile: only one BOM is skipped (v252)", () => {
  // The second one is part of the key, which is then unknown.
  assert.equal(parse(BOM, "[Ask]\n", BOM, "Message=m\n").message, undefined);
  assert.equal(parse(BOM, BOM, "[Ask]\nMessage=m\n").message, undefined);
});

Deno.test("parseAskFile: a BOM hides a comment marker (v252)", () => {
  // `#c \` is not a comment, so it continues and swallows the header.
  assert.equal(parse(BOM, "#c\\\n[Ask]\nSocket=/s\n").socket, undefined);
});

Deno.test("parseAskFile: U+FEFF inside a value is kept", () => {
  assert.equal(ask("Message=a\uFEFF\n").message, "a\uFEFF");
});

const TERMINATORS: [string, number[]][] = [
  ["\\n", [0x0a]],
  ["\\r", [0x0d]],
  ["\\0", [0x00]],
  ["\\r\\n", [0x0d, 0x0a]],
  ["\\n\\r", [0x0a, 0x0d]],
  ["\\n\\0", [0x0a, 0x00]],
  ["\\r\\0", [0x0d, 0x00]],
  ["\\r\\n\\0", [0x0d, 0x0a, 0x00]],
  ["\\n\\r\\0", [0x0a, 0x0d, 0x00]],
];

for (const [name, eol] of TERMINATORS) {
  Deno.test(`parseAskFile: ${name} ends a line`, () => {
    const file = bytes("[Ask]", eol, "PID=7", eol, "Socket=/s", eol, "Echo=1", eol);
    assert.deepEqual(parseAskFile(file), { ...DEFAULTS, pid: 7, socket: "/s", echo: true });
  });

  Deno.test(`parseAskFile: ${name} is one line end, so a continuation goes on`, () => {
    assert.equal(parse("[Ask]\nMessage=a\\", eol, "b\n").message, "a b");
  });
}

for (
  const [name, eols] of [
    ["\\n\\n", [0x0a, 0x0a]],
    ["\\r\\r", [0x0d, 0x0d]],
    ["\\0\\n", [0x00, 0x0a]],
    ["\\n\\r\\n", [0x0a, 0x0d, 0x0a]],
    ["\\n\\0\\r", [0x0a, 0x00, 0x0d]],
  ] as [string, number[]][]
) {
  Deno.test(`parseAskFile: ${name} is two line ends, the empty line ends a continuation (v252)`, () => {
    assert.equal(parse("[Ask]\nMessage=a\\", eols, "b=c\nIcon=i\n").message, "a");
  });
}

Deno.test("parseAskFile: CRLF file", () => {
  const file = "[Ask]\r\nPID=9391\r\nSocket=/run/s\r\nMessage=Hi\r\n";
  assert.deepEqual(parse(file), { ...DEFAULTS, pid: 9391, socket: "/run/s", message: "Hi" });
});

Deno.test("parseAskFile: missing newline at end of file is fine", () => {
  assert.equal(parse("[Ask]\nMessage=last").message, "last");
});

Deno.test("parseAskFile: NUL splits a line, the rest without = is ignored (v252)", () => {
  assert.equal(parse("[Ask]\nMessage=a", [0], "b\n").message, "a");
  assert.equal(parse("[Ask]\nMess", [0], "age=b\n").message, undefined);
});

Deno.test("parseAskFile: a line of 1048575 bytes is accepted (v252)", () => {
  const value = "x".repeat(MIB - 1 - "Message=".length);
  assert.equal(ask(`Message=${value}\n`).message, value);
  assert.equal(ask(`Message=${value}`).message, value);
});

Deno.test("parseAskFile: a line of 1 MiB or more is rejected (v252)", () => {
  const line = `Message=${"x".repeat(MIB - "Message=".length)}`;
  assertRejected(bytes("[Ask]\n", line, "\n"), "Line too long at line 2");
  assertRejected(bytes("[Ask]\n", line), "Line too long at line 2");
  assertRejected(bytes("[Ask]\n", line, "x\r\n"), "Line too long at line 2");
});

Deno.test("parseAskFile: the line limit counts the BOM and applies to comments (v252)", () => {
  assertRejected(bytes(BOM, "#", "x".repeat(MIB - 4), "\n"), "Line too long at line 1");
  assert.deepEqual(parse(BOM, "#", "x".repeat(MIB - 5), "\n"), DEFAULTS);
  assertRejected(bytes("#", "x".repeat(MIB - 1)), "Line too long at line 1");
});

Deno.test("parseAskFile: a continued line over 1 MiB is rejected (v252)", () => {
  const first = `Message=${"x".repeat(MIB / 2 - 9)}\\\n`; // MIB / 2 bytes with the backslash
  assert.equal(ask(first + "y".repeat(MIB / 2)).message?.length, MIB - "Message=".length);
  assertRejected(
    bytes("[Ask]\n", first, "y".repeat(MIB / 2 + 1)),
    "Continuation line too long at line 3",
  );
});

Deno.test("parseAskFile: # and ; lines are comments", () => {
  assert.equal(ask("# Message=a\n  ; Message=b\n\t#Message=c\nMessage=d\n").message, "d");
});

Deno.test("parseAskFile: a comment ending in a backslash does not continue", () => {
  assert.equal(ask("# comment \\\nMessage=m\n").message, "m");
  assert.equal(parse("[Ask]", [0], "#x\\", [0], "Message=m", [0]).message, "m");
});

Deno.test("parseAskFile: a comment inside a continuation is dropped (v252)", () => {
  assert.equal(ask("Message=a\\\n# c\nb\n").message, "a b");
  assert.equal(ask("Message=a\\\n  ; c \\\nb\n").message, "a b");
  assert.equal(ask("Message=a\\\n#x\n").message, "a");
});

Deno.test("parseAskFile: invalid UTF-8 in a comment is accepted (v252)", () => {
  assert.equal(parse("[Ask]\n# ", [0xff, 0xfe], "\nMessage=m\n").message, "m");
  assert.equal(parse("[Ask]\nMessage=a\\\n#", [0xff], "\nb\n").message, "a b");
});

Deno.test("parseAskFile: a trailing backslash joins the next line with a space (v252)", () => {
  const fields = ask("Message=foo\\\nIcon=x\n");
  assert.equal(fields.message, "foo Icon=x");
  assert.equal(fields.icon, undefined);
});

Deno.test("parseAskFile: continuation repeats and works at end of file (v252)", () => {
  assert.equal(ask("Message=a\\\nb\\\nc\n").message, "a b c");
  assert.equal(ask("Message=a\\").message, "a");
});

Deno.test("parseAskFile: an even number of trailing backslashes does not continue (v252)", () => {
  const fields = ask("Message=a\\\\\nIcon=i\n");
  assert.equal(fields.message, "a\\\\");
  assert.equal(fields.icon, "i");
});

Deno.test("parseAskFile: an odd number above one keeps the others (v252)", () => {
  assert.equal(ask("Message=a\\\\\\\nb\n").message, "a\\\\ b");
});

Deno.test("parseAskFile: a backslash before trailing whitespace does not continue (v252)", () => {
  const fields = ask("Message=a\\ \nIcon=i\n");
  assert.equal(fields.message, "a\\");
  assert.equal(fields.icon, "i");
});

Deno.test("parseAskFile: a continued line can be a section header (v252)", () => {
  assert.equal(ask("[Fo\\\no]\nMessage=m\n").message, undefined);
  assert.equal(ask("Message=a\\\n[Foo]\nMessage=z\n").message, "z");
});

Deno.test("parseAskFile: key and value are stripped of space and tab", () => {
  assert.equal(ask("  Message  =   m  m  \n").message, "m  m");
  assert.equal(ask("\tSocket\t=\t/x\t\n").socket, "/x");
  assert.equal(ask("PID= 12\n").pid, 12);
});

Deno.test("parseAskFile: \\v and \\f are not stripped (v252)", () => {
  assert.equal(ask("Message=\vm\f\n").message, "\vm\f");
});

Deno.test("parseAskFile: values are neither unquoted nor unescaped", () => {
  assert.equal(ask("Message=\"a\" \\b 'c' \\n %s\n").message, "\"a\" \\b 'c' \\n %s");
  assert.equal(
    ask("Id=cryptsetup:/dev/disk/by-uuid/\\x2d1\n").id,
    "cryptsetup:/dev/disk/by-uuid/\\x2d1",
  );
});

Deno.test("parseAskFile: invalid UTF-8 rejects the file (v252)", () => {
  assertRejected(bytes("[Ask]\nMessage=", [0xff], "\n"), "Invalid UTF-8 at line 2");
  assertRejected(bytes("[Ask]\nMessage=a", [0xc0, 0xaf], "\n"), "Invalid UTF-8 at line 2");
  assertRejected(bytes("[Ask]\nMessage=a", [0xed, 0xa0, 0x80], "\n"), "Invalid UTF-8 at line 2");
  assertRejected(bytes("[Ask]\nMessage=a", [0xc3], "\n"), "Invalid UTF-8 at line 2");
});

Deno.test("parseAskFile: invalid UTF-8 rejects the file in any section (v252)", () => {
  assertRejected(bytes("Foo=", [0xff], "\n[Ask]\n"), "Invalid UTF-8 at line 1");
  assertRejected(bytes("[Ask]\n[Other]\nFoo=", [0xff], "\n"), "Invalid UTF-8 at line 3");
  assertRejected(
    bytes("[Ask]\nMessage=a", [0xc3], "\\\n", [0xa9], "b\n"),
    "Invalid UTF-8 at line 3",
  );
});

Deno.test("parseAskFile: Unicode noncharacters reject the file like in systemd (v252)", () => {
  for (const noncharacter of ["\uFFFE", "\uFFFF", "\uFDD0", "\uFDEF", "\u{1FFFE}", "\u{10FFFF}"]) {
    assertRejected(bytes(`[Ask]\nMessage=a${noncharacter}\n`), "Invalid UTF-8 at line 2");
  }
  assert.equal(
    ask("Message=\uFDCF\uFDF0\uFFFD\u{10FFFD}\n").message,
    "\uFDCF\uFDF0\uFFFD\u{10FFFD}",
  );
});

Deno.test("parseAskFile: error messages never quote the file", () => {
  assert.throws(
    () => parse("[Ask]\nMessage=secret", [0xff], "\n"),
    (error) => error instanceof Error && !error.message.includes("secret"),
  );
  assertRejected(bytes("[secret\n"), "Unterminated section header at line 1");
});

Deno.test("parseAskFile: unterminated section header rejects the file (v252)", () => {
  assertRejected(bytes("[Ask\nPID=1\n"), "Unterminated section header at line 1");
  assertRejected(bytes("[Ask]\n[Ask] x\n"), "Unterminated section header at line 2");
});

Deno.test("parseAskFile: unsafe section name rejects the file (v252)", () => {
  for (const name of ['A"', "A'B", "A\\B", "A\x01", "A\tB", "A\x7f"]) {
    assertRejected(bytes(`[Ask]\n[${name}]\n`), "Unsafe characters in section header at line 2");
  }
});

Deno.test("parseAskFile: glob characters in a section name are allowed (v252)", () => {
  for (const name of ["A*", "A?", "A]", "[A", ""]) {
    assert.deepEqual(parse(`[Ask]\nPID=3\n[${name}]\nPID=4\n`), { ...DEFAULTS, pid: 3 });
  }
});

Deno.test("parseAskFile: keys of other sections are ignored", () => {
  const fields = parse("[Other]\nMessage=o\n[Ask]\nMessage=a\n[X-Foo]\nMessage=x\nIcon=i\n");
  assert.equal(fields.message, "a");
  assert.equal(fields.icon, undefined);
});

Deno.test("parseAskFile: a later [Ask] section continues the first", () => {
  assert.deepEqual(parse("[Ask]\nPID=1\n[Other]\nPID=2\n[Ask]\nEcho=on\n"), {
    ...DEFAULTS,
    pid: 1,
    echo: true,
  });
});

Deno.test("parseAskFile: section and key names are case-sensitive (v252)", () => {
  assert.equal(parse("[ask]\nMessage=m\n").message, undefined);
  assert.equal(ask("message=m\nMESSAGE=M\n").message, undefined);
  assert.equal(parse("[ Ask ]\nMessage=m\n").message, undefined);
});

Deno.test("parseAskFile: assignments before any section are ignored", () => {
  assert.deepEqual(parse("PID=5\nSocket=/s\n[Ask]\n"), DEFAULTS);
});

Deno.test("parseAskFile: a line without = is ignored (v252)", () => {
  assert.equal(ask("Message\nMessage=m\nstray words\n").message, "m");
});

Deno.test("parseAskFile: a line starting with = is ignored (v252)", () => {
  assert.equal(ask("=Message=m\n").message, undefined);
});

Deno.test("parseAskFile: unknown keys are ignored", () => {
  assert.deepEqual(ask("KeyName=cryptsetup\nFuture=1\nX-Thing=2\n"), DEFAULTS);
});

Deno.test("parseAskFile: last valid duplicate wins (v252)", () => {
  assert.deepEqual(
    ask(
      "Message=first\nMessage=second\nSocket=/a\nSocket=/b\nPID=1\nPID=2\n" +
        "NotAfter=1\nNotAfter=2\nEcho=1\nEcho=0\nId=a\nId=b\nIcon=a\nIcon=b\n",
    ),
    {
      ...DEFAULTS,
      message: "second",
      socket: "/b",
      pid: 2,
      notAfter: 2n,
      id: "b",
      icon: "b",
    },
  );
});

Deno.test("parseAskFile: an invalid value does not reset an earlier valid one (v252)", () => {
  assert.deepEqual(
    ask(
      "PID=5\nPID=abc\nPID=\nNotAfter=9\nNotAfter=zz\nNotAfter=\nEcho=1\nEcho=maybe\nEcho=\n" +
        'Silent=yes\nSilent=2\nAcceptCached=on\nAcceptCached=-\nSocket=/ok\nSocket=/bad"\n',
    ),
    {
      ...DEFAULTS,
      pid: 5,
      notAfter: 9n,
      echo: true,
      silent: true,
      acceptCached: true,
      socket: "/ok",
    },
  );
});

Deno.test("parseAskFile: empty Socket resets it (v252)", () => {
  assert.equal(ask("Socket=/s\nSocket=\n").socket, undefined);
  assert.equal(ask("Socket=/s\nSocket=   \n").socket, undefined);
});

Deno.test("parseAskFile: empty Message, Icon and Id reset them", () => {
  assert.deepEqual(ask("Message=m\nIcon=i\nId=d\nMessage=\nIcon=\nId=\n"), DEFAULTS);
});

Deno.test("parseAskFile: unsafe Socket is ignored (v252)", () => {
  for (
    const unsafe of [
      '/run/sck"14',
      "/run/a'b",
      "/run/a\\b",
      "/run/a\x01",
      "/run/a\tb",
      "/run/a\x7f",
    ]
  ) {
    assert.equal(
      ask(`Socket=/run/ok\nSocket=${unsafe}\n`).socket,
      "/run/ok",
      JSON.stringify(unsafe),
    );
    assert.equal(ask(`Socket=${unsafe}\n`).socket, undefined, JSON.stringify(unsafe));
  }
});

Deno.test("parseAskFile: Socket may contain globs, spaces and non-ASCII (v252)", () => {
  assert.equal(ask("Socket=/tmp/a*?[]\n").socket, "/tmp/a*?[]");
  assert.equal(ask("Socket=/tmp/a b/é\n").socket, "/tmp/a b/é");
  assert.equal(
    ask("Socket=/run/systemd/ask-password//sck.1\n").socket,
    "/run/systemd/ask-password//sck.1",
  );
});

Deno.test("parseAskFile: every boolean spelling", () => {
  for (const word of ["1", "yes", "y", "true", "t", "on", "YES", "Y", "True", "T", "oN"]) {
    assert.equal(ask(`Echo=${word}\n`).echo, true, word);
    assert.equal(ask(`AcceptCached=${word}\n`).acceptCached, true, word);
    assert.equal(ask(`Silent=${word}\n`).silent, true, word);
  }
  for (const word of ["0", "no", "n", "false", "f", "off", "NO", "N", "False", "F", "OFF"]) {
    assert.equal(ask(`Echo=1\nEcho=${word}\n`).echo, false, word);
    assert.equal(ask(`AcceptCached=1\nAcceptCached=${word}\n`).acceptCached, false, word);
    assert.equal(ask(`Silent=1\nSilent=${word}\n`).silent, false, word);
  }
});

Deno.test("parseAskFile: other boolean values are ignored", () => {
  for (const word of ["", "2", "yess", "enabled", "nope", "-1", "0x1", "yeſ", "\u212Aon"]) {
    assert.equal(ask(`Echo=${word}\n`).echo, false, word);
    assert.equal(ask(`Echo=1\nEcho=${word}\n`).echo, true, word);
  }
});

const NUMBERS: [string, bigint | undefined][] = [
  ["833952331", 833952331n],
  ["0", 0n],
  ["0x1f", 31n],
  ["0X1F", 31n],
  ["010", 8n],
  ["0o17", 15n],
  ["0O17", 15n],
  ["0b101", 5n],
  ["0B101", 5n],
  ["+5", 5n],
  ["+0x10", 16n],
  ["\v7", 7n],
  ["\f7", 7n],
  ["0b 1", 1n],
  ["0b+1", 1n],
  ["0o\v7", 7n],
  ["000000000000000000000000000000042", 0o42n],
  ["0x0000000000000000000000000000002a", 42n],
  ["0x7fffffffffffffff", 0x7fffffffffffffffn],
  ["18446744073709551615", 18446744073709551615n],
  ["0xffffffffffffffff", 18446744073709551615n],
  ["01777777777777777777777", 18446744073709551615n],
  ["0b" + "1".repeat(64), 18446744073709551615n],
  ["-0", 0n],
  ["-00", 0n],
  ["-0x0", 0n],
  ["0b-0", 0n],
  ["08", undefined],
  ["0o8", undefined],
  ["0b2", undefined],
  ["0x", undefined],
  ["0xg", undefined],
  ["0x 1", undefined],
  ["0x0x1", undefined],
  ["0b0b1", undefined],
  ["0o0x1", undefined],
  ["1 1", undefined],
  ["12abc", undefined],
  ["abc", undefined],
  ["-1", undefined],
  ["-0x1", undefined],
  ["0b-1", undefined],
  ["- 1", undefined],
  ["- 0", undefined],
  ["+-1", undefined],
  ["-+1", undefined],
  ["18446744073709551616", undefined],
  ["0x10000000000000000", undefined],
  ["99999999999999999999999", undefined],
  ["02000000000000000000000", undefined],
  ["0b1" + "0".repeat(64), undefined],
  ["9".repeat(MIB / 2), undefined],
  ["1.5", undefined],
  ["١٢", undefined],
];

for (const [text, expected] of NUMBERS) {
  const label = JSON.stringify(text.length > 40 ? `${text.slice(0, 20)}…` : text);
  Deno.test(`parseAskFile: NotAfter=${label} gives ${expected ?? "no change"} (v252)`, () => {
    assert.equal(ask(`NotAfter=3\nNotAfter=${text}\n`).notAfter, expected ?? 3n);
  });
}

Deno.test("parseAskFile: a negative NotAfter not led by - wraps like strtoull() (v252)", () => {
  assert.equal(ask("NotAfter=1\nNotAfter=\v-1\n").notAfter, 18446744073709551615n);
  assert.equal(ask("NotAfter=1\nNotAfter=0b -1\n").notAfter, 18446744073709551615n);
  assert.equal(ask("NotAfter=1\nNotAfter=0b\t-1\n").notAfter, 18446744073709551615n);
  assert.equal(ask("NotAfter=\v-18446744073709551615\n").notAfter, 1n);
  assert.equal(ask("NotAfter=1\nNotAfter=\v-18446744073709551616\n").notAfter, 1n);
});

Deno.test("parseAskFile: NotAfter=UINT64_MAX is kept exactly", () => {
  assert.equal(ask("NotAfter=18446744073709551615\n").notAfter, 2n ** 64n - 1n);
});

Deno.test("parseAskFile: PID accepts the same number bases (v252)", () => {
  assert.equal(ask("PID=0x1\n").pid, 1);
  assert.equal(ask("PID=010\n").pid, 8);
  assert.equal(ask("PID=0b11\n").pid, 3);
  assert.equal(ask("PID=0o11\n").pid, 9);
  assert.equal(ask("PID=+12\n").pid, 12);
  assert.equal(ask("PID=\v12\n").pid, 12);
});

Deno.test("parseAskFile: PID must be 1..2147483647 (v252)", () => {
  assert.equal(ask("PID=1\n").pid, 1);
  assert.equal(ask("PID=2147483647\n").pid, 2147483647);
  assert.equal(ask("PID=0x7fffffff\n").pid, 2147483647);
  for (const text of ["0", "-0", "2147483648", "4294967297", "-1", "18446744073709551615"]) {
    assert.equal(ask(`PID=${text}\n`).pid, 0, text);
    assert.equal(ask(`PID=9\nPID=${text}\n`).pid, 9, text);
  }
});

Deno.test("parseAskFile: invalid PID leaves 0 (v252)", () => {
  assert.equal(ask("PID=abc\n").pid, 0);
  assert.equal(ask("PID=\n").pid, 0);
  assert.equal(ask("PID=12 34\n").pid, 0);
});

Deno.test("AskFileSyntaxError: is a SyntaxError with the line", () => {
  const error = new AskFileSyntaxError("Invalid UTF-8", 3);
  assert.ok(error instanceof SyntaxError);
  assert.equal(error.name, "AskFileSyntaxError");
  assert.equal(error.message, "Invalid UTF-8 at line 3");
  assert.equal(error.line, 3);
  assert.equal(new AskFileSyntaxError("Bad").message, "Bad");
  assert.equal(new AskFileSyntaxError("Bad").line, undefined);
});

Deno.test("parseAskFile: a long run of blanks inside a value is kept (linear time, no backtracking)", () => {
  // 500,000 inner blanks: the old /\s+$/g strip took minutes on this (quadratic
  // backtracking); a fuzzer found it stalled the agent's event loop.
  const blanks = " \t".repeat(250_000);
  const fields = parseAskFile(
    new TextEncoder().encode(`[Ask]\nMessage=a${blanks}b   \nSocket=/x\n`),
  );
  assert.equal(fields.message, `a${blanks}b`);
});
