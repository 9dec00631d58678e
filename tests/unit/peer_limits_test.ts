import assert from "node:assert/strict";
import { PeerLimits } from "../../src/varlink/peer_limits.ts";

Deno.test("a uid other than root is held to its own budget", () => {
  const limits = new PeerLimits({ privilegedUids: new Set([0]), connectionsPerUid: 2 });
  assert.equal(limits.reserve(1000, "connections", 1), undefined);
  assert.equal(limits.reserve(1000, "connections", 1), undefined);
  assert.equal(limits.reserve(1000, "connections", 1), "uid");
  assert.equal(limits.usage(1000).connections, 2, "a refusal takes nothing");
  // Another uid has its own.
  assert.equal(limits.reserve(1001, "connections", 1), undefined);
  limits.release(1000, "connections", 1);
  assert.equal(limits.reserve(1000, "connections", 1), undefined);
});

Deno.test("others share one budget, which root never draws on nor is refused by", () => {
  const limits = new PeerLimits({
    privilegedUids: new Set([0, 1000]),
    privilegedConnections: 3,
    connectionsPerUid: 16,
    sharedConnections: 4,
    sharedBytes: 100,
  });
  for (let uid = 2000; uid < 2004; uid++) {
    assert.equal(limits.reserve(uid, "connections", 1), undefined);
  }
  assert.equal(limits.reserve(2004, "connections", 1), "shared");
  assert.deepEqual(limits.shared, { connections: 4, calls: 0, bytes: 0 });
  // Root and the directory's owner: their own budget, whatever the others hold.
  for (let i = 0; i < 3; i++) {
    assert.equal(limits.reserve(0, "connections", 1), undefined);
    assert.equal(limits.reserve(1000, "connections", 1), undefined);
  }
  assert.equal(limits.reserve(0, "connections", 1), "uid", "root's own budget is bounded too");
  assert.equal(limits.shared.connections, 4);
  assert.equal(limits.reserve(2000, "bytes", 100), undefined);
  assert.equal(limits.reserve(2001, "bytes", 1), "shared");
  assert.equal(limits.reserve(0, "bytes", 1000), undefined);
});

Deno.test("bytes and calls: a uid over its budget is refused; releases are never below zero", () => {
  const limits = new PeerLimits({
    privilegedUids: new Set([0]),
    bytesPerUid: 10,
    callsPerUid: 1,
  });
  assert.equal(limits.reserve(7, "bytes", 11), "uid");
  assert.equal(limits.reserve(7, "bytes", 10), undefined);
  assert.equal(limits.reserve(7, "calls", 1), undefined);
  assert.equal(limits.reserve(7, "calls", 1), "uid");
  limits.release(7, "bytes", 50);
  limits.release(7, "calls", 1);
  assert.deepEqual(limits.usage(7), { connections: 0, calls: 0, bytes: 0 });
  assert.deepEqual(limits.shared, { connections: 0, calls: 0, bytes: 0 });
  assert.equal(limits.uidCount, 0, "a uid holding nothing is forgotten");
  assert.ok(limits.isPrivileged(0));
  assert.ok(!limits.isPrivileged(7));
});
