import assert from "node:assert/strict";
import { AskerTracker } from "../../src/agent/asker_tracker.ts";
import { Reactor } from "../../src/reactor/reactor.ts";

Deno.test("AskerTracker: one pidfd per process, shared; exit reported to every listener", async () => {
  await using reactor = new Reactor();
  using tracker = new AskerTracker(reactor);
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  const exits: string[] = [];
  const a = tracker.track(child.pid, () => exits.push("a"));
  const b = tracker.track(child.pid, () => exits.push("b"));
  assert.equal(a.kind, "tracking");
  assert.equal(b.kind, "tracking");
  assert.equal(tracker.size, 1, "one pidfd for both requests");
  child.kill("SIGKILL");
  await child.status;
  await reactor.sleep(50);
  assert.deepEqual(exits.sort(), ["a", "b"]);
  assert.equal(tracker.size, 0, "its pidfd is closed");
});

Deno.test("AskerTracker: the last listener to stop closes the pidfd", async () => {
  await using reactor = new Reactor();
  using tracker = new AskerTracker(reactor);
  const a = tracker.track(Deno.pid, () => {});
  const b = tracker.track(Deno.pid, () => {});
  if (a.kind !== "tracking" || b.kind !== "tracking") throw new Error("not tracked");
  a.stop();
  assert.equal(tracker.size, 1);
  b.stop();
  assert.equal(tracker.size, 0);
});

Deno.test("AskerTracker: a missing process or a zombie is gone at once", async () => {
  await using reactor = new Reactor();
  using tracker = new AskerTracker(reactor);
  const child = new Deno.Command("true").spawn();
  // Not reaped yet: a zombie for a moment; reaped: no such process. Gone either way.
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(tracker.track(child.pid, () => {}).kind, "gone");
  await child.status;
  assert.equal(tracker.track(child.pid, () => {}).kind, "gone");
});
