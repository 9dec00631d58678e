/**
 * Caps Lock while plymouthd asks: the Plymouth frontend, in this process,
 * against a fake plymouthd served here too, with keyboards played by
 * {@linkcode FakeInputDevices} (this host has no evdev keyboard to press).
 * The warning is plymouthd's message: SHOW_MESSAGE when the lock goes on,
 * HIDE_MESSAGE with the same text when it goes off or the prompt ends.
 */
import assert from "node:assert/strict";
import type { AskOutcome } from "../../src/agent/frontend.ts";
import { CapsLockWatcher } from "../../src/prompt/caps_lock_watcher.ts";
import { Translator } from "../../src/i18n/translator.ts";
import { createLogger } from "../../src/log/log.ts";
import type { AskRequest } from "../../src/protocol/ask_request.ts";
import { parseAskFile } from "../../src/protocol/parse_ask_file.ts";
import { PlymouthFrontend } from "../../src/plymouth/plymouth_frontend.ts";
import { PlymouthMonitor } from "../../src/plymouth/plymouth_monitor.ts";
import { Reactor } from "../../src/reactor/reactor.ts";
import { CAPS_LOCK_BIT, FakeInputDevices } from "../helpers/fake_input_devices.ts";
import { type FakePlymouthRequest, InProcessPlymouthd } from "../helpers/fake_plymouthd.ts";

const KEYBOARD = "/dev/input/event0";
const WARNING = "Feststelltaste ist aktiv";
const SHOW = { request: "M", argument: WARNING };
const HIDE = { request: "m", argument: WARNING };
const DIRECTORY = { path: "/run/systemd/ask-password", ownerUid: 0, kind: "system" as const };

/** A request as the agent would hand it over, from an ask file's text. */
function askRequest(): AskRequest {
  const fields = parseAskFile(
    new TextEncoder().encode(
      "[Ask]\nPID=1\nSocket=/run/systemd/ask-password/sck.caps\nMessage=Disk root:\n",
    ),
  );
  return {
    ...fields,
    path: `${DIRECTORY.path}/ask.caps`,
    name: "ask.caps",
    directory: DIRECTORY,
    key: `0:0:${DIRECTORY.path}/ask.caps`,
    ownerUid: 0,
    socket: fields.socket!,
  };
}

/** The fake plymouthd, the frontend over it in German, and `devices` as the keyboards. */
function setUp(reactor: Reactor, devices: FakeInputDevices) {
  const log = createLogger({ debug: true, journal: false, write: () => {} });
  const plymouthd = InProcessPlymouthd.listen(reactor);
  const capsLock = new CapsLockWatcher({ reactor, log, devices });
  const frontend = new PlymouthFrontend({
    // Not run: it would take this process for plymouthd and its terminals for plymouthd's.
    monitor: new PlymouthMonitor(log, reactor, plymouthd.socket),
    log,
    reactor,
    words: new Translator("de"),
    capsLock,
  });
  const withdraw = new AbortController();
  const outcome: Promise<AskOutcome> = frontend.ask(askRequest(), withdraw.signal, {
    attempt: 1,
  });
  return { plymouthd, capsLock, withdraw, outcome };
}

async function until(reactor: Reactor, condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; waited < 5000; waited += 5) {
    if (condition()) return;
    await reactor.sleep(5);
  }
  assert.fail(`Timed out waiting for ${what}`);
}

/** The messages among the requests, in order. */
function messages(requests: FakePlymouthRequest[]): FakePlymouthRequest[] {
  return requests.filter(({ request }) => request === "M" || request === "m");
}

function count(requests: FakePlymouthRequest[], wanted: FakePlymouthRequest): number {
  return requests.filter(({ request, argument }) =>
    request === wanted.request && argument === wanted.argument
  ).length;
}

Deno.test("plymouth caps lock: the German words are the ones expected", () => {
  assert.equal(new Translator("de").text("Caps Lock is on"), WARNING);
});

Deno.test("plymouth caps lock: on shows plymouthd's message, off hides the same text", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.add(KEYBOARD);
  const { plymouthd, capsLock, outcome } = setUp(reactor, devices);
  using _plymouthd = plymouthd;
  await until(reactor, () => plymouthd.openPrompts.length === 1, "the prompt");
  assert.match(plymouthd.openPrompts[0]!, /^Disk root:/);
  assert.equal(capsLock.keyboardCount, 1, "the keyboard is watched while plymouthd asks");
  assert.deepEqual(messages(plymouthd.requests), [], "no message while Caps Lock is off");

  devices.capsLock(KEYBOARD, true);
  await until(reactor, () => count(plymouthd.requests, SHOW) === 1, "SHOW_MESSAGE");
  devices.capsLock(KEYBOARD, false);
  await until(reactor, () => count(plymouthd.requests, HIDE) === 1, "HIDE_MESSAGE");

  plymouthd.answer("geheim");
  const result = await outcome;
  assert.equal(result.kind, "answer");
  assert.deepEqual(messages(plymouthd.requests), [SHOW, HIDE], "nothing hidden twice at the end");
  assert.equal(devices.openCount, 0, "the keyboard is closed when the prompt ends");
});

Deno.test("plymouth caps lock: on when the prompt is answered, the message is hidden at the end", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.add(KEYBOARD);
  const { plymouthd, outcome } = setUp(reactor, devices);
  using _plymouthd = plymouthd;
  await until(reactor, () => plymouthd.openPrompts.length === 1, "the prompt");
  devices.capsLock(KEYBOARD, true);
  await until(reactor, () => count(plymouthd.requests, SHOW) === 1, "SHOW_MESSAGE");
  devices.capsLock(KEYBOARD, false);
  await until(reactor, () => count(plymouthd.requests, HIDE) === 1, "HIDE_MESSAGE");
  devices.capsLock(KEYBOARD, true);
  await until(reactor, () => count(plymouthd.requests, SHOW) === 2, "SHOW_MESSAGE again");

  plymouthd.answer("GEHEIM");
  const result = await outcome;
  assert.equal(result.kind, "answer");
  // The hide is awaited before ask() returns: it is there already.
  assert.deepEqual(messages(plymouthd.requests), [SHOW, HIDE, SHOW, HIDE]);
  assert.equal(devices.openCount, 0);
});

Deno.test("plymouth caps lock: on when the prompt is withdrawn, the message is hidden at the end", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.add(KEYBOARD);
  const { plymouthd, withdraw, outcome } = setUp(reactor, devices);
  using _plymouthd = plymouthd;
  await until(reactor, () => plymouthd.openPrompts.length === 1, "the prompt");
  devices.capsLock(KEYBOARD, true);
  await until(reactor, () => count(plymouthd.requests, SHOW) === 1, "SHOW_MESSAGE");

  withdraw.abort();
  const result = await outcome;
  assert.equal(result.kind, "withdrawn");
  assert.deepEqual(messages(plymouthd.requests), [SHOW, HIDE]);
  await until(reactor, () => plymouthd.openPrompts.length === 0, "the prompt's connection closed");
  assert.equal(devices.openCount, 0);
});

Deno.test("plymouth caps lock: already on when plymouthd asks, the message is shown at once", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.add(KEYBOARD, { leds: CAPS_LOCK_BIT });
  const { plymouthd, outcome } = setUp(reactor, devices);
  using _plymouthd = plymouthd;
  await until(reactor, () => count(plymouthd.requests, SHOW) === 1, "SHOW_MESSAGE");
  await until(reactor, () => plymouthd.openPrompts.length === 1, "the prompt");
  plymouthd.answer("GEHEIM");
  assert.equal((await outcome).kind, "answer");
  assert.deepEqual(messages(plymouthd.requests), [SHOW, HIDE]);
});

Deno.test("plymouth caps lock: without a keyboard, plymouthd gets no message at all", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  const { plymouthd, capsLock, outcome } = setUp(reactor, devices);
  using _plymouthd = plymouthd;
  await until(reactor, () => plymouthd.openPrompts.length === 1, "the prompt");
  assert.equal(capsLock.keyboardCount, 0);
  await reactor.sleep(100);
  plymouthd.answer("geheim");
  assert.equal((await outcome).kind, "answer");
  assert.deepEqual(plymouthd.requests.map(({ request }) => request), ["*"]);
});
