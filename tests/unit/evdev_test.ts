import assert from "node:assert/strict";
import {
  capsLockDeviceNames,
  encodeInputEvent,
  EvdevRequests,
  hasCapsLockLed,
  INPUT_EVENT_SIZE,
  InputEventCodes,
  parseLedEvents,
  receiveOnlyLedEvents,
  reportsDroppedEvents,
} from "../../src/ffi/evdev.ts";
import { SystemCallError } from "../../src/ffi/errno.ts";
import { closeFd, openFile, OpenFlags } from "../../src/ffi/file_descriptor.ts";

const { EV_SYN, EV_KEY, EV_LED, SYN_REPORT, SYN_DROPPED, LED_CAPSL } = InputEventCodes;
const LED_NUML = 0x00;
const KEY_A = 30;

function records(...events: [number, number, number][]): Uint8Array {
  const bytes = new Uint8Array(events.length * INPUT_EVENT_SIZE);
  events.forEach(([type, code, value], index) =>
    bytes.set(encodeInputEvent(type, code, value), index * INPUT_EVENT_SIZE)
  );
  return bytes;
}

Deno.test("evdev: the ioctl numbers are linux/input.h's, _IOC on x86_64", () => {
  // EVIOCGBIT(EV_LED, 8) = _IOC(_IOC_READ, 'E', 0x20 + EV_LED, 8)
  assert.equal(EvdevRequests.EVIOCGBIT_LED, 0x80084531);
  // EVIOCGLED(8) = _IOC(_IOC_READ, 'E', 0x19, 8)
  assert.equal(EvdevRequests.EVIOCGLED, 0x80084519);
  // EVIOCSMASK = _IOW('E', 0x93, struct input_mask): libevdev and systemd agree on 0x40104593.
  assert.equal(EvdevRequests.EVIOCSMASK, 0x40104593);
  // EVIOCSCLOCKID = _IOW('E', 0xa0, int)
  assert.equal(EvdevRequests.EVIOCSCLOCKID, 0x400445a0);
});

Deno.test("evdev: an input_event is 24 bytes, type at 16, code at 18, value at 20", () => {
  const record = encodeInputEvent(EV_LED, LED_CAPSL, -2);
  assert.deepEqual(
    [...record],
    [...new Array(16).fill(0), 0x11, 0x00, 0x01, 0x00, 0xfe, 0xff, 0xff, 0xff],
  );
});

Deno.test("evdev: parseLedEvents keeps EV_LED events in order and nothing else", () => {
  const bytes = records(
    [EV_KEY, KEY_A, 1],
    [EV_LED, LED_NUML, 0],
    [EV_LED, LED_CAPSL, 1],
    [EV_SYN, SYN_REPORT, 0],
    [EV_LED, LED_CAPSL, 0],
  );
  assert.deepEqual(parseLedEvents(bytes), [
    { code: LED_NUML, value: 0 },
    { code: LED_CAPSL, value: 1 },
    { code: LED_CAPSL, value: 0 },
  ]);
});

Deno.test("evdev: parseLedEvents ignores a trailing partial record and reads at an offset", () => {
  const whole = records([EV_SYN, SYN_REPORT, 0], [EV_LED, LED_CAPSL, 1]);
  const padded = new Uint8Array(whole.length + 10);
  padded.set(whole, 3);
  assert.deepEqual(parseLedEvents(padded.subarray(3, 3 + whole.length + 5)), [
    { code: LED_CAPSL, value: 1 },
  ]);
  assert.deepEqual(parseLedEvents(whole.subarray(0, INPUT_EVENT_SIZE * 2 - 1)), []);
  assert.deepEqual(parseLedEvents(new Uint8Array(0)), []);
});

Deno.test("evdev: SYN_DROPPED is reported, SYN_REPORT is not", () => {
  assert.equal(reportsDroppedEvents(records([EV_SYN, SYN_REPORT, 0])), false);
  assert.equal(
    reportsDroppedEvents(records([EV_LED, LED_CAPSL, 1], [EV_SYN, SYN_DROPPED, 0])),
    true,
  );
  // A code of 3 on another type is no overflow marker.
  assert.equal(reportsDroppedEvents(records([EV_LED, SYN_DROPPED, 1])), false);
});

Deno.test("evdev: capsLockDeviceNames picks the event nodes of devices with LED_CAPSL", () => {
  const text = [
    "I: Bus=0011 Vendor=0001 Product=0001 Version=ab41",
    'N: Name="AT Translated Set 2 keyboard"',
    "H: Handlers=sysrq kbd leds event0 ",
    "B: EV=120013",
    "B: LED=7",
    "",
    'N: Name="Power Button"',
    "H: Handlers=kbd event1 ",
    "B: EV=3",
    "",
    'N: Name="Scroll Lock only"',
    "H: Handlers=kbd leds event2 ",
    "B: LED=4",
    "",
    'N: Name="USB keyboard"',
    "H: Handlers=sysrq kbd leds event12 ../evil event3x ",
    "B: LED=0 1f",
    "",
  ].join("\n");
  assert.deepEqual(capsLockDeviceNames(text), ["event0", "event12"]);
  assert.deepEqual(capsLockDeviceNames(""), []);
});

Deno.test("evdev: the ioctls fail with a SystemCallError on a descriptor that is no event device", () => {
  const fd = openFile("/dev/null", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
  try {
    assert.throws(() => hasCapsLockLed(fd), (error) => {
      assert.ok(error instanceof SystemCallError);
      assert.equal(error.call, "ioctl(EVIOCGBIT(EV_LED))");
      return true;
    });
    assert.throws(() => receiveOnlyLedEvents(fd), SystemCallError);
  } finally {
    closeFd(fd);
  }
});
