import assert from "node:assert/strict";
import { PasswordCache } from "../../src/agent/password_cache.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("PasswordCache: newest first, duplicates moved to the front", () => {
  using cache = new PasswordCache();
  cache.remember(bytes("one"));
  cache.remember(bytes("two"));
  cache.remember(bytes("one"));
  assert.deepEqual(cache.passwords(), [bytes("one"), bytes("two")]);
});

Deno.test("PasswordCache: entries expire", () => {
  let now = 0;
  using cache = new PasswordCache(1000, () => now);
  cache.remember(bytes("old"));
  now = 999;
  assert.equal(cache.passwords().length, 1);
  now = 1000;
  assert.equal(cache.passwords().length, 0);
});

Deno.test("PasswordCache: keeps its own copy; the caller's buffer can be wiped", () => {
  using cache = new PasswordCache();
  const secret = bytes("secret");
  cache.remember(secret);
  secret.fill(0);
  assert.deepEqual(cache.passwords(), [bytes("secret")]);
});
