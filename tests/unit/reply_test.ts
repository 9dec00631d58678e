import assert from "node:assert/strict";
import {
  deliverReply,
  encodeCancelReply,
  encodePasswordReply,
  MAX_REPLY_SIZE,
} from "../../src/protocol/reply.ts";
import {
  bindDatagramSocket,
  connectDatagram,
  DatagramSender,
  receiveDatagram,
  sendOnSocket,
} from "../../src/ffi/datagram_socket.ts";
import { closeFd } from "../../src/ffi/file_descriptor.ts";
import { Reactor } from "../../src/reactor/reactor.ts";

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

const never = new AbortController().signal;

Deno.test("deliverReply: delivers the datagram and wipes the payload", async () => {
  await using reactor = new Reactor();
  using sender = new DatagramSender();
  const path = `/tmp/askpw-reply-test-${Deno.pid}.sock`;
  const fd = bindDatagramSocket(path);
  try {
    const payload = encodePasswordReply([bytes("s3cret")]);
    assert.deepEqual(await deliverReply(path, payload, { sender, reactor, signal: never }), {
      kind: "sent",
      waited: false,
    });
    assert.deepEqual(receiveDatagram(fd, 4096), bytes("+s3cret\0"));
    assert.ok(payload.every((byte) => byte === 0), "payload wiped");
  } finally {
    closeFd(fd);
    Deno.removeSync(path);
  }
});

Deno.test("deliverReply: a vanished asker (ENOENT) is reported, not thrown", async () => {
  await using reactor = new Reactor();
  using sender = new DatagramSender();
  const outcome = await deliverReply(
    `/tmp/askpw-no-such-${Deno.pid}.sock`,
    encodeCancelReply(),
    { sender, reactor, signal: never },
  );
  assert.deepEqual(outcome, { kind: "gone", reason: "sendto: ENOENT" });
});

Deno.test("deliverReply: an asker that closed its socket (ECONNREFUSED) is gone", async () => {
  await using reactor = new Reactor();
  using sender = new DatagramSender();
  const path = `/tmp/askpw-closed-${Deno.pid}.sock`;
  closeFd(bindDatagramSocket(path));
  try {
    const outcome = await deliverReply(path, encodeCancelReply(), {
      sender,
      reactor,
      signal: never,
    });
    assert.deepEqual(outcome, { kind: "gone", reason: "sendto: ECONNREFUSED" });
  } finally {
    Deno.removeSync(path);
  }
});

/** Fills `path`'s receive queue with junk until the kernel says it is full. */
function fillQueue(path: string): number {
  const filler = connectDatagram(path);
  let count = 0;
  try {
    while (sendOnSocket(filler, new Uint8Array([0x78]))) count++;
  } finally {
    closeFd(filler);
  }
  return count;
}

Deno.test("deliverReply: a full queue makes the reply wait for room, not fail", async () => {
  await using reactor = new Reactor();
  using sender = new DatagramSender();
  const path = `/tmp/askpw-full-${Deno.pid}.sock`;
  const fd = bindDatagramSocket(path);
  try {
    const junk = fillQueue(path);
    assert.ok(junk > 0);
    let waited = false;
    const payload = encodePasswordReply([bytes("late")]);
    const delivery = deliverReply(path, payload, {
      sender,
      reactor,
      signal: never,
      onWaiting: () => waited = true,
    });
    await reactor.sleep(50);
    assert.ok(waited, "told that it waits");
    for (let i = 0; i < junk; i++) assert.deepEqual(receiveDatagram(fd, 16), bytes("x"));
    assert.deepEqual(await delivery, { kind: "sent", waited: true });
    assert.deepEqual(receiveDatagram(fd, 4096), bytes("+late\0"));
    assert.ok(payload.every((byte) => byte === 0), "payload wiped");
  } finally {
    closeFd(fd);
    Deno.removeSync(path);
  }
});

Deno.test("deliverReply: a waiting reply withdrawn is dropped and wiped", async () => {
  await using reactor = new Reactor();
  using sender = new DatagramSender();
  const path = `/tmp/askpw-withdrawn-${Deno.pid}.sock`;
  const fd = bindDatagramSocket(path);
  try {
    fillQueue(path);
    const withdraw = new AbortController();
    const payload = encodePasswordReply([bytes("never")]);
    const delivery = deliverReply(path, payload, { sender, reactor, signal: withdraw.signal });
    await reactor.sleep(20);
    withdraw.abort();
    assert.deepEqual(await delivery, { kind: "cancelled" });
    assert.ok(payload.every((byte) => byte === 0), "payload wiped");
  } finally {
    closeFd(fd);
    Deno.removeSync(path);
  }
});
