import assert from "node:assert/strict";
import { BufferPool } from "../../src/varlink/buffer_pool.ts";

Deno.test("buffers given back are zeroed, reused by size, and kept only a few per size", () => {
  const pool = new BufferPool(2);
  const first = pool.take(8);
  first.fill(7);
  pool.give(first);
  assert.equal(pool.keptBytes, 8);
  const again = pool.take(8);
  assert.equal(again, first, "reused");
  assert.deepEqual([...again], new Array(8).fill(0), "zeroed");
  assert.notEqual(pool.take(16).length, 8);
  for (let i = 0; i < 5; i++) pool.give(new Uint8Array(8));
  assert.equal(pool.keptBytes, 16, "two kept");
});
