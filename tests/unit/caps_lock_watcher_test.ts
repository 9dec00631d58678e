import assert from "node:assert/strict";
import { CapsLockWatcher, systemInputDevices } from "../../src/prompt/caps_lock_watcher.ts";
import { InputEventCodes } from "../../src/ffi/evdev.ts";
import { Errno } from "../../src/ffi/errno.ts";
import type { Logger } from "../../src/log/log.ts";
import { Reactor } from "../../src/reactor/reactor.ts";
import { CAPS_LOCK_BIT, FakeInputDevices } from "../helpers/fake_input_devices.ts";

const { EV_SYN, EV_KEY, EV_LED, SYN_REPORT, SYN_DROPPED, LED_CAPSL } = InputEventCodes;

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (priority: string) => (message: string) => lines.push(`${priority}: ${message}`);
  return {
    lines,
    error: record("error"),
    warning: record("warning"),
    notice: record("notice"),
    info: record("info"),
    debug: record("debug"),
  };
}

async function until(reactor: Reactor, condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; waited < 2000; waited += 5) {
    if (condition()) return;
    await reactor.sleep(5);
  }
  assert.fail(`Timed out waiting for ${what}`);
}

function openDescriptors(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

Deno.test("CapsLockWatcher: the state starts as the LED shows, and follows EV_LED events", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.add("/dev/input/event0", { leds: CAPS_LOCK_BIT });
  const watcher = new CapsLockWatcher({ reactor, log: recordingLogger(), devices });
  const seen: boolean[] = [];
  using subscription = watcher.subscribe((on) => seen.push(on));
  assert.equal(subscription.state, true);

  devices.capsLock("/dev/input/event0", false);
  await until(reactor, () => seen.length === 1, "Caps Lock off");
  assert.deepEqual(seen, [false]);
  assert.equal(subscription.state, false);

  devices.capsLock("/dev/input/event0", true);
  await until(reactor, () => seen.length === 2, "Caps Lock on");
  assert.deepEqual(seen, [false, true]);
  assert.equal(subscription.state, true);
});

Deno.test("CapsLockWatcher: other LEDs and a repeated state call no one", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.add("/dev/input/event0");
  const watcher = new CapsLockWatcher({ reactor, log: recordingLogger(), devices });
  const seen: boolean[] = [];
  using subscription = watcher.subscribe((on) => seen.push(on));
  assert.equal(subscription.state, false);
  devices.send(
    "/dev/input/event0",
    [EV_LED, 0, 1], // Num Lock
    [EV_LED, LED_CAPSL, 0],
    [EV_SYN, SYN_REPORT, 0],
  );
  devices.capsLock("/dev/input/event0", true);
  await until(reactor, () => seen.length === 1, "Caps Lock on");
  await reactor.sleep(20);
  assert.deepEqual(seen, [true]);
});

Deno.test("CapsLockWatcher: on while any keyboard's LED is on", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.add("/dev/input/event0");
  devices.add("/dev/input/event1");
  const watcher = new CapsLockWatcher({ reactor, log: recordingLogger(), devices });
  const seen: boolean[] = [];
  using subscription = watcher.subscribe((on) => seen.push(on));
  devices.capsLock("/dev/input/event0", true);
  await until(reactor, () => seen.length === 1, "first on");
  devices.capsLock("/dev/input/event1", true);
  devices.capsLock("/dev/input/event0", false);
  await reactor.sleep(30);
  assert.deepEqual(seen, [true], "still on: event1's LED is lit");
  devices.capsLock("/dev/input/event1", false);
  await until(reactor, () => seen.length === 2, "off");
  assert.deepEqual(seen, [true, false]);
  assert.equal(subscription.state, false);
});

Deno.test("CapsLockWatcher: subscribers share one open per device; the last dispose closes every descriptor", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.add("/dev/input/event0");
  devices.add("/dev/input/event1");
  devices.add("/dev/input/event2", { capsLockLed: false });
  const watcher = new CapsLockWatcher({ reactor, log: recordingLogger(), devices });
  const reactorDescriptors = reactor.descriptorCount;
  const before = openDescriptors();

  const seen: string[] = [];
  const subscriptions = Array.from(
    { length: 50 },
    (_, index) => watcher.subscribe((on) => seen.push(`${index}:${on}`)),
  );
  assert.equal(watcher.keyboardCount, 2, "the device without a Caps Lock LED is closed again");
  assert.deepEqual([...devices.keyboards.values()].map((keyboard) => keyboard.opens), [1, 1, 1]);
  assert.equal(devices.openCount, 2);
  assert.equal(reactor.descriptorCount, reactorDescriptors + 2);

  devices.capsLock("/dev/input/event1", true);
  await until(reactor, () => seen.length === 50, "every subscriber told");
  assert.ok(seen.every((entry) => entry.endsWith(":true")));

  for (const subscription of subscriptions.slice(1)) subscription[Symbol.dispose]();
  assert.equal(watcher.keyboardCount, 2, "still one prompt shown");
  assert.equal(subscriptions[0]!.state, true);
  assert.equal(subscriptions[1]!.state, undefined, "a disposed subscription knows nothing");
  subscriptions[0]![Symbol.dispose]();
  subscriptions[0]![Symbol.dispose](); // idempotent

  assert.equal(watcher.keyboardCount, 0);
  assert.equal(devices.openCount, 0);
  assert.equal(reactor.descriptorCount, reactorDescriptors, "nothing waits in the reactor");
  assert.equal(openDescriptors(), before, "every descriptor closed");

  // The next prompt opens the devices afresh.
  using again = watcher.subscribe(() => {});
  assert.equal(again.state, true);
  assert.deepEqual([...devices.keyboards.values()].map((keyboard) => keyboard.opens), [2, 2, 2]);
});

Deno.test("CapsLockWatcher: a device that fails (ENODEV on unplug) is dropped with one log line", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.add("/dev/input/event0", { leds: CAPS_LOCK_BIT });
  devices.add("/dev/input/event1");
  const log = recordingLogger();
  const watcher = new CapsLockWatcher({ reactor, log, devices });
  const seen: boolean[] = [];
  using subscription = watcher.subscribe((on) => seen.push(on));
  assert.equal(subscription.state, true);
  const reactorDescriptors = reactor.descriptorCount;
  log.lines.length = 0;

  devices.unplug("/dev/input/event0");
  await until(reactor, () => watcher.keyboardCount === 1, "the unplugged keyboard dropped");
  assert.deepEqual(seen, [false], "the lit keyboard went: off");
  assert.equal(subscription.state, false);
  assert.deepEqual(log.lines, [
    "info: Caps Lock: /dev/input/event0 dropped (read: ENODEV (No such device))",
  ]);
  assert.equal(devices.openCount, 1);
  assert.equal(reactor.descriptorCount, reactorDescriptors - 1);

  devices.capsLock("/dev/input/event1", true);
  await until(reactor, () => seen.length === 2, "the other keyboard still heard");

  devices.unplug("/dev/input/event1");
  await until(reactor, () => watcher.keyboardCount === 0, "the last keyboard dropped");
  assert.equal(subscription.state, undefined, "no keyboard left");
  assert.deepEqual(seen, [false, true, false]);
});

Deno.test("CapsLockWatcher: SYN_DROPPED makes it read the LEDs again", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  const keyboard = devices.add("/dev/input/event0");
  const watcher = new CapsLockWatcher({ reactor, log: recordingLogger(), devices });
  const seen: boolean[] = [];
  using _subscription = watcher.subscribe((on) => seen.push(on));
  keyboard.leds = CAPS_LOCK_BIT; // the event that said so was lost
  devices.send("/dev/input/event0", [EV_SYN, SYN_DROPPED, 0]);
  await until(reactor, () => seen.length === 1, "resynchronised");
  assert.deepEqual(seen, [true]);
});

Deno.test("CapsLockWatcher: whatever is queued when the mask is set is discarded unparsed; EVIOCGLED decides", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.add("/dev/input/event0");
  const open = devices.open.bind(devices);
  // A key press and a stale LED event, queued between open(2) and EVIOCSMASK.
  devices.open = (path) => {
    const fd = open(path);
    devices.send(path, [EV_KEY, 30, 1], [EV_LED, LED_CAPSL, 1], [EV_SYN, SYN_REPORT, 0]);
    return fd;
  };
  const watcher = new CapsLockWatcher({ reactor, log: recordingLogger(), devices });
  const seen: boolean[] = [];
  using subscription = watcher.subscribe((on) => seen.push(on));
  await reactor.sleep(30);
  assert.equal(subscription.state, false, "EVIOCGLED decides, not the stale event");
  assert.deepEqual(seen, []);
});

Deno.test("CapsLockWatcher: devices that cannot be opened leave the state undefined, with one debug line", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.add("/dev/input/event0", { openError: Errno.EACCES });
  devices.add("/dev/input/event1", { capsLockLed: false });
  const log = recordingLogger();
  const watcher = new CapsLockWatcher({ reactor, log, devices });
  using subscription = watcher.subscribe(() => {});
  assert.equal(subscription.state, undefined);
  assert.equal(devices.openCount, 0);
  assert.equal(log.lines.length, 1);
  assert.match(log.lines[0]!, /^debug: Caps Lock: no keyboard .*event0: open: EACCES/);
});

Deno.test("CapsLockWatcher: no /dev/input: undefined, one debug line, no throw", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.listError = Errno.ENOENT;
  const log = recordingLogger();
  using subscription = new CapsLockWatcher({ reactor, log, devices }).subscribe(() => {});
  assert.equal(subscription.state, undefined);
  assert.equal(log.lines.length, 1);
  assert.match(log.lines[0]!, /^debug: Caps Lock: .*ENOENT/);

  // The system's own devices, in a directory that does not exist: the same.
  const systemLog = recordingLogger();
  const system = new CapsLockWatcher({
    reactor,
    log: systemLog,
    inputDirectory: "/nonexistent/input",
    devices: systemInputDevices,
  });
  using systemSubscription = system.subscribe(() => {});
  assert.equal(systemSubscription.state, undefined);
  assert.equal(systemLog.lines.length, 1);
  assert.equal(system.keyboardCount, 0);
});

Deno.test("CapsLockWatcher: a subscriber that throws is logged and the others are still told", async () => {
  await using reactor = new Reactor();
  const devices = new FakeInputDevices();
  devices.add("/dev/input/event0");
  const log = recordingLogger();
  const watcher = new CapsLockWatcher({ reactor, log, devices });
  const seen: boolean[] = [];
  using _failing = watcher.subscribe(() => {
    throw new Error("boom");
  });
  using _working = watcher.subscribe((on) => seen.push(on));
  devices.capsLock("/dev/input/event0", true);
  await until(reactor, () => seen.length === 1, "the second subscriber told");
  assert.ok(
    log.lines.some((line) => line.startsWith("error: Caps Lock:") && line.includes("boom")),
  );
});
