import assert from "node:assert/strict";
import { monotonicMicros } from "../../src/ffi/clock.ts";
import { EventFd } from "../../src/ffi/event_fd.ts";
import { Reactor, Readiness } from "../../src/reactor/reactor.ts";

Deno.test("Reactor: timers fire in deadline order; a cancelled one never fires", async () => {
  await using reactor = new Reactor();
  const fired: string[] = [];
  reactor.after(30, () => fired.push("30"));
  reactor.after(10, () => fired.push("10"));
  reactor.after(20, () => fired.push("20")).cancel();
  await reactor.sleep(60);
  assert.deepEqual(fired, ["10", "30"]);
  assert.equal(reactor.timerCount, 0);
});

Deno.test("Reactor: a thousand deadlines share one timerfd and all fire", async () => {
  await using reactor = new Reactor();
  const now = monotonicMicros();
  let fired = 0;
  for (let i = 0; i < 1000; i++) reactor.at(now + BigInt(1000 + i * 5), () => fired++);
  assert.equal(reactor.descriptorCount, 0, "timers cost no descriptor of their own");
  await reactor.sleep(40);
  assert.equal(fired, 1000);
});

Deno.test("Reactor: ready() resolves on readiness, and with 0 on timeout or abort", async () => {
  await using reactor = new Reactor();
  using wake = new EventFd();
  setTimeout(() => wake.signal(), 10);
  assert.equal(await reactor.ready(wake.fd, Readiness.IN, undefined, 2000), Readiness.IN);
  wake.acknowledge();
  assert.equal(await reactor.ready(wake.fd, Readiness.IN, undefined, 20), 0);
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 10);
  assert.equal(await reactor.ready(wake.fd, Readiness.IN, stop.signal), 0);
  assert.equal(reactor.descriptorCount, 0, "waits leave nothing registered");
});

Deno.test("Reactor: several watches share a descriptor; closing one keeps the other", async () => {
  await using reactor = new Reactor();
  using wake = new EventFd();
  const seen: string[] = [];
  const first = reactor.watch(wake.fd, Readiness.IN, () => seen.push("first"));
  const second = reactor.watch(wake.fd, Readiness.IN, () => {
    seen.push("second");
    wake.acknowledge();
  });
  assert.equal(reactor.descriptorCount, 1);
  first.close();
  wake.signal();
  await reactor.sleep(20);
  assert.deepEqual(seen, ["second"]);
  second.close();
  assert.equal(reactor.descriptorCount, 0);
});

Deno.test("Reactor: an exception in a callback is reported and the loop goes on", async () => {
  const errors: unknown[] = [];
  await using reactor = new Reactor({ onError: (error) => errors.push(error) });
  reactor.after(1, () => {
    throw new Error("boom");
  });
  let later = false;
  reactor.after(5, () => later = true);
  await reactor.sleep(20);
  assert.equal(errors.length, 1);
  assert.ok(later);
});

Deno.test("Reactor: waiting costs one thread however many descriptors wait", async () => {
  const threads = () =>
    Number(/^Threads:\s+(\d+)/m.exec(Deno.readTextFileSync("/proc/self/status"))![1]);
  await using reactor = new Reactor();
  await reactor.sleep(5);
  const before = threads();
  const fds = Array.from({ length: 100 }, () => new EventFd());
  const waits = fds.map((fd) => reactor.ready(fd.fd, Readiness.IN));
  const epollFd = epollHolding(fds.map((fd) => fd.fd));
  assert.ok(epollFd !== undefined, "one epoll set holds all hundred descriptors");
  // Each epoll_wait is a fresh nonblocking FFI call: sampled while the
  // reactor's thread is between two calls, it is seen running. Wait with
  // plain timers (they do not wake the reactor) until it sleeps again.
  let blocked: number[] = [];
  for (let tries = 0; tries < 200; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    blocked = threadsBlockedOn([epollFd, ...fds.map((fd) => fd.fd)]);
    if (blocked.length > 0) break;
  }
  assert.deepEqual(
    blocked,
    [epollFd],
    "exactly one thread sleeps for them, in epoll_wait on that set",
  );
  // The runtime may start a thread of its own at any time (V8, or tokio's
  // pool for the next FFI call); a thread per wait would add dozens.
  assert.ok(threads() - before < 5, `threads ${before} -> ${threads()}`);
  for (const fd of fds) fd.signal();
  assert.deepEqual(await Promise.all(waits), fds.map(() => Readiness.IN));
  for (const fd of fds) fd[Symbol.dispose]();
});

/** The epoll descriptor of this process whose interest list holds every one of `targets`. */
function epollHolding(targets: number[]): number | undefined {
  for (const entry of Deno.readDirSync("/proc/self/fdinfo")) {
    let info: string;
    try {
      info = Deno.readTextFileSync(`/proc/self/fdinfo/${entry.name}`);
    } catch {
      continue;
    }
    const held = new Set([...info.matchAll(/^tfd:\s+(\d+)/gm)].map((m) => Number(m[1])));
    if (targets.every((fd) => held.has(fd))) return Number(entry.name);
  }
  return undefined;
}

/**
 * The descriptors among `fds` that some thread of this process is blocked on
 * in a syscall taking a descriptor first (epoll_wait, epoll_pwait(2), read,
 * poll is excluded: it takes an array), one entry per thread.
 */
function threadsBlockedOn(fds: number[]): number[] {
  // x86_64: read 0, epoll_wait 232, epoll_pwait 281, epoll_pwait2 441.
  const byDescriptor = new Set([0, 232, 281, 441]);
  const found: number[] = [];
  for (const task of Deno.readDirSync("/proc/self/task")) {
    let line: string;
    try {
      line = Deno.readTextFileSync(`/proc/self/task/${task.name}/syscall`);
    } catch {
      continue;
    }
    const [number, first] = line.trim().split(" ");
    if (!byDescriptor.has(Number(number))) continue;
    const fd = Number(BigInt(first));
    if (fds.includes(fd)) found.push(fd);
  }
  return found;
}
