import assert from "node:assert/strict";
import { SECRET_SLOT_SIZE, SecretMemory } from "../../src/secrets/secret_memory.ts";

Deno.test("SecretMemory: slots are zeroed on release and reused", () => {
  using memory = new SecretMemory();
  const first = memory.copy(new TextEncoder().encode("hunter2"));
  const underlying = new Uint8Array(first.buffer, first.byteOffset, SECRET_SLOT_SIZE);
  memory.release(first);
  assert.ok(underlying.every((byte) => byte === 0), "the whole slot is zero");
  assert.equal(memory.slotsInUse, 0);
  const second = memory.allocate(4);
  assert.equal(second.byteOffset, first.byteOffset, "the slot is reused");
  memory.release(second);
});

Deno.test("SecretMemory: pages are locked (within RLIMIT_MEMLOCK)", () => {
  using memory = new SecretMemory();
  const buffer = memory.allocate(16);
  assert.ok(memory.lockedBytes >= SECRET_SLOT_SIZE);
  memory.release(buffer);
});

Deno.test("SecretMemory: grows past one chunk; releasing twice is harmless", () => {
  using memory = new SecretMemory();
  const buffers = Array.from({ length: 40 }, () => memory.allocate(SECRET_SLOT_SIZE));
  assert.equal(memory.slotsInUse, 40);
  for (const buffer of buffers) memory.release(buffer);
  memory.release(buffers[0]);
  assert.equal(memory.slotsInUse, 0);
});

Deno.test("SecretMemory: a buffer from elsewhere is only wiped", () => {
  using memory = new SecretMemory();
  const foreign = new Uint8Array([1, 2, 3]);
  memory.release(foreign);
  assert.deepEqual(foreign, new Uint8Array(3));
});

Deno.test("SecretMemory: a secret larger than a slot is refused", () => {
  using memory = new SecretMemory();
  assert.throws(() => memory.allocate(SECRET_SLOT_SIZE + 1), RangeError);
});
