import assert from "node:assert/strict";
import { describeAgentState } from "../../src/agent/agent_status.ts";
import { ChangeSignal } from "../../src/agent/change_signal.ts";
import type { AskContext, AskOutcome, Frontend } from "../../src/agent/frontend.ts";
import { type FrontendWorkerOptions, runFrontendWorker } from "../../src/agent/frontend_worker.ts";
import {
  newPendingRequest,
  type PendingRequest,
  releaseRequest,
} from "../../src/agent/pending_request.ts";
import { RequestTable } from "../../src/agent/request_table.ts";
import { createLogger } from "../../src/log/log.ts";
import type { AskDirectory } from "../../src/protocol/ask_directory.ts";
import type { AskRequest } from "../../src/protocol/ask_request.ts";

const system: AskDirectory = { path: "/run/systemd/ask-password", ownerUid: 0, kind: "system" };
const user: AskDirectory = {
  path: "/run/user/1000/systemd/ask-password",
  ownerUid: 1000,
  kind: "user",
};

/** A request as intake would hand it over; nothing here touches a file. */
function pendingRequest(name: string, directory = system): PendingRequest {
  const request: AskRequest = {
    path: `${directory.path}/${name}`,
    name,
    directory,
    key: `1:${name.length}:${directory.path}/${name}`,
    ownerUid: directory.ownerUid,
    socket: `${directory.path}/sck.${name}`,
    pid: 0,
    acceptCached: false,
    echo: false,
    silent: false,
    notAfter: 0n,
    message: `Password for ${name}:`,
    icon: undefined,
    id: undefined,
  };
  return newPendingRequest(request);
}

/** A frontend that records what it was asked and answers from a script. */
class FakeFrontend implements Frontend {
  readonly name: string;
  available = true;
  asked: { path: string; context: AskContext }[] = [];
  withdrawn: string[] = [];
  /** Outcomes to return, in order; when none is left, the prompt stays until withdrawn. */
  script: AskOutcome[] = [];
  #availability = new ChangeSignal();
  #asking = new ChangeSignal();

  constructor(name: string, available = true) {
    this.name = name;
    this.available = available;
  }

  ask(request: AskRequest, signal: AbortSignal, context: AskContext): Promise<AskOutcome> {
    this.asked.push({ path: request.path, context });
    this.#asking.notify();
    const next = this.script.shift();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => {
      const withdraw = () => {
        this.withdrawn.push(request.path);
        resolve({ kind: "withdrawn" });
      };
      if (signal.aborted) withdraw();
      else signal.addEventListener("abort", withdraw, { once: true });
    });
  }

  isAvailable(): boolean {
    return this.available;
  }

  availabilityChanged(signal: AbortSignal): Promise<void> {
    return this.#availability.wait(signal);
  }

  setAvailable(available: boolean): void {
    this.available = available;
    this.#availability.notify();
  }

  /** Resolves once `count` prompts have been shown. */
  async shown(count: number): Promise<void> {
    const never = new AbortController().signal;
    while (this.asked.length < count) await this.#asking.wait(never);
  }
}

const quiet = createLogger({ journal: false, write: () => {} });

Deno.test("RequestTable: every frontend starts with the oldest request", () => {
  const a = new FakeFrontend("console a");
  const b = new FakeFrontend("console b");
  const table = new RequestTable([a, b]);
  const first = pendingRequest("ask.1");
  const second = pendingRequest("ask.2");
  table.add(first);
  table.add(second);
  assert.equal(table.pick(a), first);
  // Several consoles show the same request at once.
  assert.equal(table.pick(b), first);
});

Deno.test("RequestTable: after a request is shown, the one shown least recently comes next (round robin)", () => {
  const a = new FakeFrontend("console a");
  const table = new RequestTable([a]);
  const requests = ["ask.1", "ask.2", "ask.3"].map((name) => pendingRequest(name));
  for (const pending of requests) table.add(pending);
  const order = Array.from({ length: 7 }, () => table.pick(a)?.request.name);
  assert.deepEqual(order, ["ask.1", "ask.2", "ask.3", "ask.1", "ask.2", "ask.3", "ask.1"]);
  // A request arriving now has never been shown here: it goes first.
  const late = pendingRequest("ask.4");
  table.add(late);
  assert.equal(table.pick(a), late);
});

Deno.test("RequestTable: each frontend keeps its own rotation", () => {
  const a = new FakeFrontend("console a");
  const b = new FakeFrontend("plymouth");
  const table = new RequestTable([a, b]);
  table.add(pendingRequest("ask.1"));
  table.add(pendingRequest("ask.2"));
  assert.equal(table.pick(a)?.request.name, "ask.1");
  assert.equal(table.pick(a)?.request.name, "ask.2");
  assert.equal(table.pick(b)?.request.name, "ask.1");
  assert.equal(table.pick(a)?.request.name, "ask.1");
  assert.equal(table.pick(b)?.request.name, "ask.2");
});

Deno.test("RequestTable: requests answered, done or finished by a frontend are not picked", () => {
  const a = new FakeFrontend("console a");
  const b = new FakeFrontend("console b");
  const table = new RequestTable([a, b]);
  const delivering = pendingRequest("ask.1");
  const done = pendingRequest("ask.2");
  const skipped = pendingRequest("ask.3");
  for (const pending of [delivering, done, skipped]) table.add(pending);
  delivering.state = "delivering";
  releaseRequest(done);
  skipped.finishedBy.add(a);
  assert.equal(table.pick(a), undefined);
  assert.equal(table.pick(b), skipped);
});

Deno.test("RequestTable: get, remove and in(directory) by ask-file path", () => {
  const table = new RequestTable([]);
  const root = pendingRequest("ask.1");
  const mine = pendingRequest("ask.2", user);
  table.add(root);
  table.add(mine);
  assert.equal(table.get(root.request.path), root);
  assert.deepEqual(table.in(user), [mine]);
  assert.equal(table.remove(root.request.path), root);
  assert.equal(table.remove(root.request.path), undefined);
  assert.equal(table.get(root.request.path), undefined);
  assert.deepEqual([...table.values()], [mine]);
});

Deno.test("RequestTable: a query is finished when every request is done or every frontend finished it", () => {
  const a = new FakeFrontend("console a");
  const b = new FakeFrontend("console b");
  const table = new RequestTable([a, b]);
  assert.equal(table.isFinished(), true);
  const first = pendingRequest("ask.1");
  const second = pendingRequest("ask.2");
  table.add(first);
  table.add(second);
  assert.equal(table.isFinished(), false);
  releaseRequest(first);
  second.finishedBy.add(a);
  assert.equal(table.isFinished(), false);
  table.finishAll(b);
  assert.equal(table.isFinished(), true);
  // A surface found later has not finished anything yet.
  table.addFrontend(new FakeFrontend("console c"));
  assert.equal(table.frontends.length, 3);
  assert.equal(table.isFinished(), false);
});

Deno.test("RequestTable: the tally counts asking requests, answers waiting for room, surfaces that can ask", () => {
  const table = new RequestTable([
    new FakeFrontend("console a"),
    new FakeFrontend("plymouth", false),
  ]);
  assert.deepEqual(table.tally(), { asking: 0, waitingForRoom: 0, surfaces: ["console a"] });
  assert.equal(
    describeAgentState(table.tally()),
    "Waiting for password requests; asking on console a",
  );
  const asking = pendingRequest("ask.1");
  const waiting = pendingRequest("ask.2");
  const sending = pendingRequest("ask.3");
  for (const pending of [asking, waiting, sending]) table.add(pending);
  waiting.state = "delivering";
  waiting.waitingForRoom = true;
  sending.state = "delivering";
  assert.deepEqual(table.tally(), { asking: 1, waitingForRoom: 1, surfaces: ["console a"] });
  assert.equal(
    describeAgentState(table.tally()),
    "1 request pending, 1 answer(s) waiting for room; asking on console a",
  );
  assert.equal(
    describeAgentState({ asking: 2, waitingForRoom: 0, surfaces: [] }),
    "2 requests pending; asking on no surface",
  );
});

/** A worker's options with the callbacks recorded. */
function workerOptions(table: RequestTable, mode: "query" | "watch", stop: AbortController) {
  const answers: { path: string; passwords: Uint8Array[]; source: string }[] = [];
  const events: string[] = [];
  const changes = new ChangeSignal();
  const options: FrontendWorkerOptions = {
    mode,
    signal: stop.signal,
    log: quiet,
    table,
    changes,
    onAnswer: (pending, passwords, source) => {
      answers.push({ path: pending.request.path, passwords, source });
      pending.state = "delivering";
      pending.prompts.abort();
      changes.notify();
    },
    onCancel: () => {
      events.push("cancel");
      stop.abort();
    },
    onProgress: () => events.push("progress"),
    onAvailability: () => events.push("availability"),
  };
  return { options, answers, events, changes };
}

Deno.test("runFrontendWorker: an answer goes on with the surface's name; a skip moves on to the next request", async () => {
  const console = new FakeFrontend("console a");
  const table = new RequestTable([console]);
  const first = pendingRequest("ask.1");
  const second = pendingRequest("ask.2");
  table.add(first);
  table.add(second);
  first.attempt = 2;
  first.previous = "pin";
  const password = new TextEncoder().encode("hunter2");
  console.script = [{ kind: "skip" }, { kind: "answer", passwords: [password] }];
  const stop = new AbortController();
  const { options, answers } = workerOptions(table, "watch", stop);
  const worker = runFrontendWorker(console, options);
  await console.shown(3);
  assert.deepEqual(console.asked.map(({ path }) => path), [
    first.request.path,
    second.request.path,
    first.request.path,
  ]);
  assert.deepEqual(console.asked[0].context, {
    attempt: 2,
    previous: "pin",
    asker: undefined,
    kind: "password",
    disk: undefined,
  });
  assert.deepEqual(answers, [{
    path: second.request.path,
    passwords: [password],
    source: "console a",
  }]);
  stop.abort();
  await worker;
  // The prompt still open at the end was withdrawn.
  assert.deepEqual(console.withdrawn, [first.request.path]);
});

Deno.test("runFrontendWorker: a request withdrawn elsewhere ends its prompt; the worker waits for the next", async () => {
  const console = new FakeFrontend("console a");
  const table = new RequestTable([console]);
  const first = pendingRequest("ask.1");
  table.add(first);
  const stop = new AbortController();
  const { options, changes } = workerOptions(table, "watch", stop);
  const worker = runFrontendWorker(console, options);
  await console.shown(1);
  releaseRequest(first);
  table.remove(first.request.path);
  changes.notify();
  const second = pendingRequest("ask.2");
  table.add(second);
  changes.notify();
  await console.shown(2);
  assert.deepEqual(console.withdrawn, [first.request.path]);
  assert.equal(console.asked[1].path, second.request.path);
  stop.abort();
  await worker;
});

Deno.test("runFrontendWorker: watching, an unavailable surface waits until it can ask", async () => {
  const plymouth = new FakeFrontend("plymouth", false);
  const table = new RequestTable([plymouth]);
  table.add(pendingRequest("ask.1"));
  const stop = new AbortController();
  const { options, events } = workerOptions(table, "watch", stop);
  const worker = runFrontendWorker(plymouth, options);
  await Promise.resolve();
  assert.equal(plymouth.asked.length, 0);
  plymouth.setAvailable(true);
  await plymouth.shown(1);
  assert.ok(events.includes("availability"));
  stop.abort();
  await worker;
});

Deno.test("runFrontendWorker: in a query, an unavailable or gone surface finishes every request and stops", async () => {
  const plymouth = new FakeFrontend("plymouth", false);
  const console = new FakeFrontend("console a");
  console.script = [{ kind: "gone", reason: "hang-up" }];
  const table = new RequestTable([plymouth, console]);
  const first = pendingRequest("ask.1");
  table.add(first);
  const stop = new AbortController();
  const { options, events } = workerOptions(table, "query", stop);
  await runFrontendWorker(plymouth, options);
  assert.equal(plymouth.asked.length, 0);
  assert.equal(table.isFinished(), false);
  await runFrontendWorker(console, options);
  assert.equal(console.asked.length, 1);
  assert.deepEqual([...first.finishedBy], [plymouth, console]);
  assert.equal(table.isFinished(), true);
  assert.deepEqual(events, ["progress", "progress"]);
  assert.equal(stop.signal.aborted, false);
});

Deno.test("runFrontendWorker: Ctrl-C in a query cancels it; a skip finishes the request for that surface", async () => {
  const console = new FakeFrontend("console a");
  console.script = [{ kind: "skip" }, { kind: "cancel" }];
  const table = new RequestTable([console]);
  const first = pendingRequest("ask.1");
  const second = pendingRequest("ask.2");
  table.add(first);
  table.add(second);
  const stop = new AbortController();
  const { options, events } = workerOptions(table, "query", stop);
  await runFrontendWorker(console, options);
  assert.deepEqual(console.asked.map(({ path }) => path), [
    first.request.path,
    second.request.path,
  ]);
  assert.deepEqual([...first.finishedBy], [console]);
  assert.deepEqual([...second.finishedBy], []);
  assert.deepEqual(events, ["progress", "cancel", "progress"]);
});

Deno.test("RequestTable: a request held back for another agent (rd.askpw.delay) is not picked until released", () => {
  const a = new FakeFrontend("console a");
  const table = new RequestTable([a]);
  const held = pendingRequest("ask.1");
  const plain = pendingRequest("ask.2");
  let cancelled = 0;
  held.heldBack = { cancel: () => cancelled++ };
  table.add(held);
  table.add(plain);
  assert.equal(table.pick(a), plain);
  assert.equal(table.pick(a), plain, "the held one stays out of the round robin");
  held.heldBack = undefined;
  assert.equal(table.pick(a), held);
  held.heldBack = { cancel: () => cancelled++ };
  releaseRequest(held);
  assert.equal(cancelled, 1, "releasing a held request ends its hold");
});
