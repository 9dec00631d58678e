import assert from "node:assert/strict";
import { PasswordCache } from "../../src/secrets/password_cache.ts";
import { secretMemory } from "../../src/secrets/secret_memory.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("PasswordCache: newest first, duplicates moved to the front", () => {
  using cache = new PasswordCache();
  cache.remember("0", bytes("one"));
  cache.remember("0", bytes("two"));
  cache.remember("0", bytes("one"));
  assert.deepEqual(cache.passwords("0"), [bytes("one"), bytes("two")]);
});

Deno.test("PasswordCache: buckets are kept apart (the agent uses owner and answer family)", () => {
  using cache = new PasswordCache();
  cache.remember("0", bytes("root-secret"));
  cache.remember("1000", bytes("user-secret"));
  assert.deepEqual(cache.passwords("0"), [bytes("root-secret")]);
  assert.deepEqual(cache.passwords("1000"), [bytes("user-secret")]);
  assert.deepEqual(cache.passwords("65534"), []);
});

Deno.test("PasswordCache: entries expire", () => {
  let now = 0;
  using cache = new PasswordCache({ lifetimeMs: 1000, now: () => now });
  cache.remember("0", bytes("old"));
  now = 999;
  assert.equal(cache.passwords("0").length, 1);
  now = 1000;
  assert.equal(cache.passwords("0").length, 0);
});

Deno.test("PasswordCache: an expired entry is wiped when its timer fires, not when next read", () => {
  let now = 0;
  const scheduled: { ms: number; callback: () => void; cancelled: boolean }[] = [];
  using cache = new PasswordCache({
    lifetimeMs: 1000,
    now: () => now,
    timers: {
      after(ms, callback) {
        const timer = { ms, callback, cancelled: false };
        scheduled.push(timer);
        return { cancel: () => timer.cancelled = true };
      },
    },
  });
  const before = secretMemory().slotsInUse;
  cache.remember("0", bytes("typed"));
  assert.equal(secretMemory().slotsInUse, before + 1, "the entry lives in secret memory");
  const live = scheduled.filter((timer) => !timer.cancelled);
  assert.equal(live.length, 1, "one timer for the earliest expiry");
  assert.equal(live[0].ms, 1000);
  now = 1000;
  live[0].callback();
  assert.equal(cache.size, 0);
  assert.equal(secretMemory().slotsInUse, before, "its slot was wiped and freed");
});

Deno.test("PasswordCache: keeps its own copy; the caller's buffer can be wiped", () => {
  using cache = new PasswordCache();
  const secret = bytes("secret");
  cache.remember("0", secret);
  secret.fill(0);
  assert.deepEqual(cache.passwords("0"), [bytes("secret")]);
});

Deno.test("PasswordCache: at most maxEntries per bucket, the oldest dropped", () => {
  using cache = new PasswordCache({ maxEntries: 2 });
  for (const word of ["a", "b", "c"]) cache.remember("0", bytes(word));
  assert.deepEqual(cache.passwords("0"), [bytes("c"), bytes("b")]);
});
