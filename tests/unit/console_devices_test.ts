import assert from "node:assert/strict";
import { activeConsoleDevices } from "../../src/console/console_devices.ts";

async function fakeSystem(active: string, tty0Active: string, devices: string[]) {
  const root = await Deno.makeTempDir({ prefix: "askpw-consoles-" });
  await Deno.mkdir(`${root}/sys/class/tty/console`, { recursive: true });
  await Deno.mkdir(`${root}/sys/class/tty/tty0`, { recursive: true });
  await Deno.mkdir(`${root}/dev`);
  await Deno.writeTextFile(`${root}/sys/class/tty/console/active`, active);
  await Deno.writeTextFile(`${root}/sys/class/tty/tty0/active`, tty0Active);
  for (const device of devices) await Deno.writeTextFile(`${root}/dev/${device}`, "");
  return { root, options: { sysfs: `${root}/sys`, devfs: `${root}/dev` } };
}

Deno.test("activeConsoleDevices: every active console, tty0 resolved to the foreground VT", async () => {
  const { root, options } = await fakeSystem("tty0 ttyS0\n", "tty1\n", ["tty1", "ttyS0"]);
  assert.deepEqual(activeConsoleDevices(options), [`${root}/dev/tty1`, `${root}/dev/ttyS0`]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("activeConsoleDevices: missing device nodes are skipped", async () => {
  const { root, options } = await fakeSystem("ttyS0 ttyS1\n", "", ["ttyS1"]);
  assert.deepEqual(activeConsoleDevices(options), [`${root}/dev/ttyS1`]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("activeConsoleDevices: falls back to /dev/console when nothing is found", async () => {
  const { root, options } = await fakeSystem("tty0\n", "\n", []);
  assert.deepEqual(activeConsoleDevices(options), [`${root}/dev/console`]);
  assert.deepEqual(activeConsoleDevices({ sysfs: `${root}/nonexistent`, devfs: "/dev" }), [
    "/dev/console",
  ]);
  await Deno.remove(root, { recursive: true });
});
