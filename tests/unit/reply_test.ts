import assert from "node:assert/strict";
import {
  encodeCancelReply,
  encodePasswordReply,
  MAX_REPLY_SIZE,
  sendReply,
} from "../../src/protocol/reply.ts";
import { bindDatagramSocket, receiveDatagram } from "../../src/ffi/socket.ts";
import { closeFd } from "../../src/ffi/file.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("encodePasswordReply: one password is '+', the bytes and a NUL (as systemd sends)", () => {
  assert.deepEqual(encodePasswordReply([bytes("hunter2")]), bytes("+hunter2\0"));
});

Deno.test("encodePasswordReply: an empty password is '+\\0'", () => {
  assert.deepEqual(encodePasswordReply([new Uint8Array()]), bytes("+\0"));
});

Deno.test("encodePasswordReply: several passwords are NUL-separated, each NUL-terminated", () => {
  assert.deepEqual(
    encodePasswordReply([bytes("pw1"), bytes(""), bytes("pw2")]),
    bytes("+pw1\0\0pw2\0"),
  );
});

Deno.test("encodePasswordReply: 2047 bytes fill the 2049-byte datagram exactly", () => {
  const reply = encodePasswordReply([new Uint8Array(2047).fill(0x61)]);
  assert.equal(reply.length, MAX_REPLY_SIZE);
  assert.equal(reply[0], 0x2b);
  assert.equal(reply[2048], 0);
});

Deno.test("encodePasswordReply: a 2048-byte password is sent without its NUL", () => {
  const reply = encodePasswordReply([new Uint8Array(2048).fill(0x62)]);
  assert.equal(reply.length, MAX_REPLY_SIZE);
  assert.equal(reply[2048], 0x62);
});

Deno.test("encodePasswordReply: never more than 2049 bytes; passwords that do not fit are dropped from the end", () => {
  const reply = encodePasswordReply([
    new Uint8Array(1500).fill(0x61),
    new Uint8Array(600).fill(0x62),
  ]);
  assert.equal(reply.length, 1502);
  assert.throws(() => encodePasswordReply([new Uint8Array(2049)]), RangeError);
});

Deno.test("encodeCancelReply: '-'", () => {
  assert.deepEqual(encodeCancelReply(), bytes("-"));
});

Deno.test("sendReply: delivers the datagram and wipes the payload", () => {
  const path = `/tmp/askpw-reply-test-${Deno.pid}.sock`;
  const fd = bindDatagramSocket(path);
  try {
    const payload = encodePasswordReply([bytes("s3cret")]);
    assert.deepEqual(sendReply(path, payload), { sent: true });
    assert.deepEqual(receiveDatagram(fd, 4096), bytes("+s3cret\0"));
    assert.ok(payload.every((byte) => byte === 0), "payload wiped");
  } finally {
    closeFd(fd);
    Deno.removeSync(path);
  }
});

Deno.test("sendReply: a vanished asker (ENOENT) is reported, not thrown", () => {
  const result = sendReply(`/tmp/askpw-no-such-${Deno.pid}.sock`, encodeCancelReply());
  assert.deepEqual(result, { sent: false, askerGone: true, reason: "sendto: ENOENT" });
});

Deno.test("sendReply: an asker that closed its socket (ECONNREFUSED) is reported as gone", () => {
  const path = `/tmp/askpw-closed-${Deno.pid}.sock`;
  closeFd(bindDatagramSocket(path));
  try {
    const result = sendReply(path, encodeCancelReply());
    assert.deepEqual(result, { sent: false, askerGone: true, reason: "sendto: ECONNREFUSED" });
  } finally {
    Deno.removeSync(path);
  }
});
