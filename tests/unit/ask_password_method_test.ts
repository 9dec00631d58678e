import assert from "node:assert/strict";
import type { AskPasswordOptions, AskPasswordResult } from "../../src/asker/ask_password.ts";
import type { PeerCredentials } from "../../src/ffi/peer_credentials.ts";
import type { Logger } from "../../src/log/log.ts";
import { LogRateLimit } from "../../src/log/log_rate_limit.ts";
import type { AskerIdentity } from "../../src/request/asker_identity.ts";
import type { Reactor } from "../../src/reactor/reactor.ts";
import { NO_TIMEOUT } from "../../src/varlink/ask_password_interface.ts";
import {
  askDeadline,
  askPasswordInterface,
  createAskMethod,
} from "../../src/varlink/ask_password_method.ts";
import { VarlinkDispatcher } from "../../src/varlink/varlink_dispatcher.ts";
import { encodeError, encodeReply } from "../../src/varlink/varlink_message.ts";
import { InvalidParameterError } from "../../src/varlink/varlink_parameters.ts";
import type { VarlinkMethodCall } from "../../src/varlink/varlink_method.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const ROOT: PeerCredentials = { pid: 42, uid: 0, gid: 0 };
const USER: PeerCredentials = { pid: 43, uid: 1000, gid: 1000 };
/** CLOCK_MONOTONIC of the fake clock: 1000 s after boot. */
const NOW = 1_000_000_000n;
/** The fake asker never waits on the event loop. */
const NO_REACTOR = {} as Reactor;

/** A logger that keeps its lines. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (priority: string) => (message: string) => lines.push(`${priority}: ${message}`);
  return {
    lines,
    error: keep("error"),
    warning: keep("warning"),
    notice: keep("notice"),
    info: keep("info"),
    debug: keep("debug"),
  };
}

interface Harness {
  /** What askPassword was called with, in order. */
  asked: AskPasswordOptions[];
  /** The keys the cache was read for. */
  cacheReads: string[];
  log: Logger & { lines: string[] };
  /** Calls the Ask handler; resolves with the replies it sent, as text (NUL kept). */
  ask(parameters: Record<string, unknown>, call?: Partial<FakeCall>): Promise<string[]>;
}

interface FakeCall {
  peer: PeerCredentials | undefined;
  sender: AskerIdentity | undefined;
  identity: AskerIdentity | undefined;
  more: boolean;
  signal: AbortSignal;
}

/** The Ask handler with a fake asker, cache and clock. */
function harness(options: {
  answer?: (asked: AskPasswordOptions) => Promise<AskPasswordResult>;
  cached?: Uint8Array[];
} = {}): Harness {
  const asked: AskPasswordOptions[] = [];
  const cacheReads: string[] = [];
  const log = recordingLogger();
  const method = createAskMethod({
    askDirectory: "/run/test/ask-password",
    allowedUids: new Set([0]),
    reactor: NO_REACTOR,
    log,
    askPassword: (question) => {
      asked.push(question);
      return options.answer?.(question) ?? Promise.resolve({ kind: "timeout" });
    },
    readCachedPasswords: (keyname) => {
      cacheReads.push(keyname);
      return options.cached;
    },
    now: () => NOW,
  });
  return {
    asked,
    cacheReads,
    log,
    async ask(parameters, call = {}) {
      const replies: string[] = [];
      using limitedLog = new LogRateLimit(log);
      const methodCall: VarlinkMethodCall = {
        method: "io.systemd.AskPassword.Ask",
        parameters,
        oneway: false,
        more: call.more ?? false,
        caller: {
          peer: "peer" in call ? call.peer : ROOT,
          sender: call.sender,
          identity: call.identity,
        },
        limitedLog,
        signal: call.signal ?? new AbortController().signal,
        reply: (reply, replyOptions) =>
          replies.push(decoder.decode(encodeReply(reply, replyOptions?.continues))),
        error: (name, errorParameters) =>
          replies.push(decoder.decode(encodeError(name, errorParameters))),
        // Decoded at once: a passwords reply lives in secret memory, wiped after it is sent.
        send: (bytes) => replies.push(decoder.decode(bytes)),
      };
      await method(methodCall);
      return replies;
    },
  };
}

const answered = (...passwords: string[]) => (): Promise<AskPasswordResult> =>
  Promise.resolve({
    kind: "answered",
    passwords: passwords.map((password) => encoder.encode(password)),
    source: "agent",
  });

Deno.test("askDeadline: timeoutUSec is relative, untilUSec absolute, the earlier wins", () => {
  const at = (timeoutUSec: bigint, untilUSec: bigint) =>
    askDeadline({ timeoutUSec, untilUSec }, NOW);
  assert.equal(at(90_000_000n, NO_TIMEOUT), NOW + 90_000_000n);
  assert.equal(at(90_000_000n, NOW + 5n), NOW + 5n, "untilUSec earlier");
  assert.equal(at(5n, NOW + 90_000_000n), NOW + 5n, "timeoutUSec earlier");
  assert.equal(at(NO_TIMEOUT, NOW + 7n), NOW + 7n, "no timeout: untilUSec alone");
  assert.equal(at(NO_TIMEOUT, NO_TIMEOUT), NO_TIMEOUT, "neither: none");
  assert.equal(at(0n, NOW + 7n), 0n, "timeoutUSec 0: the cache only, whatever untilUSec says");
  assert.equal(at(0n, NO_TIMEOUT), 0n);
  assert.equal(at(90_000_000n, 0n), 0n, "untilUSec 0 is the earliest: the cache only");
  assert.equal(at(90_000_000n, 3n), 3n, "an untilUSec in the past is kept as it is");
});

Deno.test("Ask: unset timeoutUSec asks with a deadline 90 s from the clock's now", async () => {
  const test = harness({ answer: answered("hunter2") });
  const signal = new AbortController().signal;
  const replies = await test.ask({
    message: "Passphrase:",
    icon: "drive-harddisk",
    id: "cryptsetup:/dev/vda2",
    keyname: "cryptsetup",
  }, { signal });
  assert.deepEqual(replies, ['{"parameters":{"passwords":["hunter2"]}}\0']);
  assert.equal(test.asked.length, 1);
  const [asked] = test.asked;
  assert.deepEqual({ ...asked, reactor: undefined, log: undefined }, {
    directory: "/run/test/ask-password",
    message: "Passphrase:",
    icon: "drive-harddisk",
    id: "cryptsetup:/dev/vda2",
    keyname: "cryptsetup",
    acceptCached: false,
    pushCache: true,
    echo: false,
    silent: false,
    timeoutSeconds: 0,
    until: NOW + 90_000_000n,
    reactor: undefined,
    log: undefined,
    signal,
  });
  assert.equal(asked.reactor, NO_REACTOR);
  assert.equal(asked.log, test.log);
  assert.ok(test.log.lines.includes("info: Varlink: Ask from PID 42, uid 0 answered"));
});

Deno.test("Ask: the two times reach the ask file as one absolute deadline", async () => {
  const cases: [Record<string, unknown>, bigint][] = [
    [{ timeoutUSec: 30_000_000 }, NOW + 30_000_000n],
    [{ timeoutUSec: "0x10" }, NOW + 16n],
    [{ timeoutUSec: 30_000_000, untilUSec: Number(NOW) + 1 }, NOW + 1n],
    [{ untilUSec: String(NOW + 60_000_000n) }, NOW + 60_000_000n],
    // No timeout at all: the ask file has no NotAfter (askPassword's 0).
    [{ timeoutUSec: null }, 0n],
    [{ timeoutUSec: NO_TIMEOUT, untilUSec: null }, 0n],
    [{ timeoutUSec: null, untilUSec: Number(NOW) + 9 }, NOW + 9n],
  ];
  for (const [parameters, until] of cases) {
    const test = harness();
    assert.deepEqual(await test.ask(parameters), [
      '{"error":"io.systemd.AskPassword.TimeoutReached"}\0',
    ]);
    assert.equal(test.asked[0]?.until, until, JSON.stringify(parameters, (_, v) => `${v}`));
    assert.equal(test.asked[0]?.timeoutSeconds, 0);
  }
});

Deno.test("Ask: echo on and off become Echo=1 and Silent=1; masked is neither", async () => {
  const seen: [boolean | undefined, boolean | undefined][] = [];
  for (const echo of ["on", "off", "masked", null]) {
    const test = harness();
    await test.ask({ echo });
    seen.push([test.asked[0].echo, test.asked[0].silent]);
  }
  assert.deepEqual(seen, [[true, false], [false, true], [false, false], [false, false]]);
});

Deno.test("Ask: acceptCached and pushCache are passed on; pushCache only false when said", async () => {
  const test = harness();
  await test.ask({ keyname: "k", acceptCached: true, pushCache: false });
  await test.ask({ keyname: "k", pushCache: null });
  assert.deepEqual(
    test.asked.map(({ acceptCached, pushCache }) => [acceptCached, pushCache]),
    [[true, false], [false, true]],
  );
  assert.deepEqual(test.cacheReads, [], "the asker reads the cache itself when it asks");
});

Deno.test("Ask: timeoutUSec 0 asks nobody: the cache, else NoPasswordAvailable", async () => {
  const empty = harness();
  assert.deepEqual(await empty.ask({ timeoutUSec: 0, keyname: "cryptsetup", acceptCached: true }), [
    '{"error":"io.systemd.AskPassword.NoPasswordAvailable"}\0',
  ]);
  assert.deepEqual(empty.cacheReads, ["cryptsetup"]);

  const cached = [encoder.encode("one"), encoder.encode("two")];
  const full = harness({ cached });
  assert.deepEqual(await full.ask({ timeoutUSec: 0, keyname: "cryptsetup", acceptCached: true }), [
    '{"parameters":{"passwords":["one","two"]}}\0',
  ]);
  assert.deepEqual(cached.map((password) => [...password]), [[0, 0, 0], [0, 0, 0]], "wiped");

  // Without acceptCached, or without a key name, the cache is not even read.
  const notAccepted = harness({ cached: [encoder.encode("x")] });
  for (
    const parameters of [{ timeoutUSec: 0, keyname: "k" }, { timeoutUSec: 0, acceptCached: true }]
  ) {
    assert.deepEqual(await notAccepted.ask(parameters), [
      '{"error":"io.systemd.AskPassword.NoPasswordAvailable"}\0',
    ]);
  }
  assert.deepEqual(notAccepted.cacheReads, []);
  for (const test of [empty, full, notAccepted]) assert.equal(test.asked.length, 0);
});

Deno.test("Ask: bad parameters are refused before anyone is asked, even from a refused uid", async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ bogus: true }, "bogus"],
    [{ message: 'say "hi"' }, "message"],
    [{ keyname: "a\nb" }, "keyname"],
    [{ timeoutUSec: -1 }, "timeoutUSec"],
    [{ untilUSec: "soon" }, "untilUSec"],
    [{ timeoutUSec: 1.5 }, "timeoutUSec"],
    [{ echo: "loud" }, "echo"],
    [{ acceptCached: "yes" }, "acceptCached"],
  ];
  for (const peer of [ROOT, USER]) {
    const test = harness();
    for (const [parameters, name] of cases) {
      await assert.rejects(
        test.ask(parameters, { peer }),
        (error) => error instanceof InvalidParameterError && error.parameter === name,
        JSON.stringify(parameters),
      );
    }
    assert.equal(test.asked.length, 0);
  }
});

Deno.test("Ask: through the dispatcher a bad parameter is InvalidParameter", async () => {
  const log = recordingLogger();
  using limitedLog = new LogRateLimit(log);
  const dispatcher = new VarlinkDispatcher([
    askPasswordInterface({
      askDirectory: "/run/test/ask-password",
      allowedUids: new Set([0]),
      reactor: NO_REACTOR,
      log,
    }),
  ], log);
  const replies: string[] = [];
  await dispatcher.dispatch(
    {
      method: "io.systemd.AskPassword.Ask",
      parameters: { bogus: true },
      oneway: false,
      more: false,
    },
    {
      caller: { peer: ROOT, sender: undefined, identity: undefined },
      limitedLog,
      signal: new AbortController().signal,
      send: (bytes) => replies.push(decoder.decode(bytes)),
    },
  );
  assert.deepEqual(replies, [
    '{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"bogus"}}\0',
  ]);
});

Deno.test("Ask: a uid not allowed, or a peer without credentials, is PermissionDenied", async () => {
  for (const peer of [USER, undefined]) {
    const test = harness({ answer: answered("secret") });
    assert.deepEqual(await test.ask({ message: "Passphrase:" }, { peer }), [
      '{"error":"org.varlink.service.PermissionDenied"}\0',
    ]);
    assert.equal(test.asked.length, 0);
    assert.equal(test.cacheReads.length, 0);
    const who = peer ? "PID 43, uid 1000" : "an unknown peer";
    assert.deepEqual(test.log.lines, [
      `notice: Varlink: Ask from ${who} refused: not allowed to ask`,
    ]);
  }
});

Deno.test("Ask: an agent's cancel is io.systemd.System ECANCELED", async () => {
  const test = harness({ answer: () => Promise.resolve({ kind: "cancelled", byAgent: true }) });
  assert.deepEqual(await test.ask({}), [
    '{"error":"io.systemd.System","parameters":{"origin":"linux","errno":125,"errnoName":"ECANCELED"}}\0',
  ]);
});

Deno.test("Ask: a caller that hangs up withdraws the question and gets no reply", async () => {
  const hangUp = new AbortController();
  let withdrawn = false;
  const test = harness({
    answer: (asked) =>
      new Promise((resolve) => {
        asked.signal.addEventListener("abort", () => {
          withdrawn = true;
          resolve({ kind: "cancelled", byAgent: false });
        });
      }),
  });
  const replies = test.ask({ message: "Passphrase:" }, { signal: hangUp.signal });
  await Promise.resolve();
  assert.equal(test.asked.length, 1, "asked");
  assert.equal(withdrawn, false);
  hangUp.abort();
  assert.deepEqual(await replies, []);
  assert.equal(withdrawn, true);
});

Deno.test("Ask: a password that is not UTF-8 is io.systemd.System EUCLEAN, and is wiped", async () => {
  const password = new Uint8Array([0x70, 0xff, 0x77]);
  const test = harness({
    answer: () => Promise.resolve({ kind: "answered", passwords: [password], source: "agent" }),
  });
  assert.deepEqual(await test.ask({}), [
    '{"error":"io.systemd.System","parameters":{"origin":"linux","errno":117,"errnoName":"EUCLEAN"}}\0',
  ]);
  assert.deepEqual([...password], [0, 0, 0]);
});

Deno.test("Ask: a call with more gets one reply, without continues", async () => {
  const test = harness({ answer: answered("a", "b") });
  assert.deepEqual(await test.ask({}, { more: true }), [
    '{"parameters":{"passwords":["a","b"]}}\0',
  ]);
  const timedOut = harness();
  assert.deepEqual(await timedOut.ask({ timeoutUSec: 1 }, { more: true }), [
    '{"error":"io.systemd.AskPassword.TimeoutReached"}\0',
  ]);
});

Deno.test("Ask: the log names the caller by the pidfd that came with the call, else by the connection", async () => {
  const bySender = harness();
  await bySender.ask({}, {
    sender: { pid: 42, unit: "systemd-cryptsetup@x.service", pidfdId: 7n, exe: "/usr/bin/x" },
  });
  assert.deepEqual(bySender.log.lines, [
    "info: Varlink: Ask from PID 42 (unit systemd-cryptsetup@x.service, pidfs ID 7), uid 0: /usr/bin/x, known by the pidfd that came with the call",
  ]);
  const byConnection = harness();
  await byConnection.ask({}, { identity: { pid: 42, unit: "foo.service" } });
  assert.deepEqual(byConnection.log.lines, ["info: Varlink: Ask from PID 42, uid 0 (foo.service)"]);
});
