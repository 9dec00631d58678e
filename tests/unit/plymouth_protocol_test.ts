import assert from "node:assert/strict";
import {
  encodeRequest,
  parseReply,
  PlymouthProtocolError,
  PlymouthRequest,
  truncateUtf8,
} from "../../src/plymouth/protocol.ts";
import { parseUevent } from "../../src/ffi/netlink.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("encodeRequest: a password prompt is * 0x02 <len+1> <text> NUL (as systemd sends it)", () => {
  assert.deepEqual(
    encodeRequest(PlymouthRequest.PASSWORD, "Password:"),
    new Uint8Array([0x2a, 0x02, 0x0a, ...bytes("Password:"), 0x00]),
  );
});

Deno.test("encodeRequest: no argument is <type> NUL", () => {
  assert.deepEqual(encodeRequest(PlymouthRequest.CACHED_PASSWORDS), new Uint8Array([0x63, 0x00]));
  assert.deepEqual(encodeRequest(PlymouthRequest.PING), new Uint8Array([0x50, 0x00]));
});

Deno.test("encodeRequest: prompts are cut to 254 bytes at a UTF-8 boundary (255 crashes plymouthd 22.02)", () => {
  const frame = encodeRequest(PlymouthRequest.PASSWORD, "Ä".repeat(200));
  assert.equal(frame[2], 254 + 1);
  assert.equal(frame.length, 3 + 254 + 1);
  const odd = encodeRequest(PlymouthRequest.PASSWORD, "a" + "Ä".repeat(200));
  assert.equal(odd[2] - 1, 253, "a half character is dropped, not sent");
  assert.equal(new TextDecoder("utf-8", { fatal: true }).decode(odd.subarray(3, -1)).length, 127);
});

Deno.test("truncateUtf8: never splits a character", () => {
  assert.deepEqual(truncateUtf8("ab€", 4), bytes("ab"));
  assert.deepEqual(truncateUtf8("ab€", 5), bytes("ab€"));
});

Deno.test("parseReply: ACK, NAK, NO_ANSWER", () => {
  assert.deepEqual(parseReply(new Uint8Array([0x06])), { reply: { kind: "ack" }, length: 1 });
  assert.deepEqual(parseReply(new Uint8Array([0x15])), { reply: { kind: "nak" }, length: 1 });
  assert.deepEqual(parseReply(new Uint8Array([0x05])), { reply: { kind: "no-answer" }, length: 1 });
});

Deno.test("parseReply: ANSWER with a little-endian length, waiting for all bytes", () => {
  const reply = new Uint8Array([0x02, 0x07, 0, 0, 0, ...bytes("hunter2")]);
  assert.equal(parseReply(reply.subarray(0, 4)), undefined);
  assert.equal(parseReply(reply.subarray(0, 8)), undefined);
  assert.deepEqual(parseReply(reply), {
    reply: { kind: "answer", multiple: false, answers: [bytes("hunter2")] },
    length: 12,
  });
  assert.deepEqual(parseReply(new Uint8Array([0x02, 0, 0, 0, 0])), {
    reply: { kind: "answer", multiple: false, answers: [new Uint8Array()] },
    length: 5,
  });
});

Deno.test("parseReply: MULTIPLE_ANSWERS are NUL-terminated entries", () => {
  const payload = bytes("s3cr3t\0hunter2\0\x03\0");
  const reply = new Uint8Array([0x09, payload.length, 0, 0, 0, ...payload]);
  assert.deepEqual(parseReply(reply)?.reply, {
    kind: "answer",
    multiple: true,
    answers: [bytes("s3cr3t"), bytes("hunter2"), new Uint8Array([3])],
  });
});

Deno.test("parseReply: answers are views into the received bytes, not copies", () => {
  const reply = new Uint8Array([0x09, 4, 0, 0, 0, ...bytes("ab\0c")]);
  const parsed = parseReply(reply)!.reply;
  assert.equal(parsed.kind, "answer");
  if (parsed.kind !== "answer") return;
  for (const answer of parsed.answers) assert.equal(answer.buffer, reply.buffer);
});

Deno.test("parseReply: unknown types and oversized answers are protocol errors, not crashes", () => {
  assert.throws(() => parseReply(new Uint8Array([0x42])), PlymouthProtocolError);
  assert.throws(
    () => parseReply(new Uint8Array([0x02, 0xff, 0xff, 0xff, 0x7f])),
    PlymouthProtocolError,
  );
  assert.equal(parseReply(new Uint8Array()), undefined);
});

Deno.test("parseUevent: kernel uevents parse, udev's re-broadcasts are ignored", () => {
  const event = parseUevent(
    bytes("add@/devices/virtual/tty/ttyS1\0ACTION=add\0SUBSYSTEM=tty\0DEVNAME=ttyS1\0"),
  );
  assert.deepEqual(event, { ACTION: "add", SUBSYSTEM: "tty", DEVNAME: "ttyS1" });
  assert.equal(parseUevent(bytes("libudev\0\xfe\xed")), undefined);
});
