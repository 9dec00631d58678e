import assert from "node:assert/strict";
import { TimerQueue } from "../../src/reactor/timer_queue.ts";

Deno.test("TimerQueue: takeDue returns due timers earliest first, ties in creation order", () => {
  const queue = new TimerQueue();
  const order: string[] = [];
  for (const [deadline, name] of [[30n, "c"], [10n, "a"], [10n, "b"], [50n, "d"]] as const) {
    queue.add(deadline, () => order.push(name));
  }
  for (const timer of queue.takeDue(30n)) timer.callback();
  assert.deepEqual(order, ["a", "b", "c"]);
  assert.equal(queue.next(), 50n);
  assert.equal(queue.size, 1);
});

Deno.test("TimerQueue: cancelled timers are skipped and not counted", () => {
  const queue = new TimerQueue();
  const early = queue.add(5n, () => {});
  queue.add(9n, () => {});
  queue.cancel(early);
  queue.cancel(early);
  assert.equal(queue.size, 1);
  assert.equal(queue.next(), 9n);
  assert.equal(queue.takeDue(100n).length, 1);
  assert.equal(queue.next(), undefined);
});

Deno.test("TimerQueue: 10,000 random deadlines come out sorted", () => {
  const queue = new TimerQueue();
  const deadlines = Array.from({ length: 10_000 }, () => BigInt(Math.floor(Math.random() * 1e9)));
  for (const deadline of deadlines) queue.add(deadline, () => {});
  const out = queue.takeDue(BigInt(1e9)).map((timer) => timer.deadline);
  assert.deepEqual(out, [...deadlines].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
});
