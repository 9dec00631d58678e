import assert from "node:assert/strict";
import {
  initrdKernelOptions,
  parseKernelOptions,
  splitKernelCommandLine,
} from "../../src/initrd/kernel_command_line.ts";

Deno.test("splitKernelCommandLine: whitespace separates, double quotes group", () => {
  assert.deepEqual(splitKernelCommandLine(' a  b="c d"\n"e f" '), ["a", "b=c d", "e f"]);
});

Deno.test("parseKernelOptions: rd.askpw=0 disables, rd.askpw.debug logs more", () => {
  assert.deepEqual(parseKernelOptions("console=ttyS0 rd.askpw=0"), {
    disabled: true,
    debug: false,
    reveal: true,
    beep: false,
    delaySeconds: 0,
  });
  assert.deepEqual(parseKernelOptions("rd.askpw.debug quiet"), {
    disabled: false,
    debug: true,
    reveal: true,
    beep: false,
    delaySeconds: 0,
  });
  assert.deepEqual(parseKernelOptions("rd.askpw=1 rd.askpw.debug=0"), {
    disabled: false,
    debug: false,
    reveal: true,
    beep: false,
    delaySeconds: 0,
  });
  assert.deepEqual(parseKernelOptions("rd.askpw=no"), {
    disabled: true,
    debug: false,
    reveal: true,
    beep: false,
    delaySeconds: 0,
  });
});

Deno.test("parseKernelOptions: the last mention wins; look-alikes are ignored", () => {
  assert.equal(parseKernelOptions("rd.askpw=0 rd.askpw=1").disabled, false);
  assert.equal(parseKernelOptions("askpw=0 rd.askpw.debugx").disabled, false);
  assert.equal(parseKernelOptions("rd.askpw.debugx").debug, false);
});

Deno.test("initrdKernelOptions: only inside an initrd (/etc/initrd-release)", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/cmdline`, "rd.askpw=0 rd.askpw.debug\n");
  assert.deepEqual(
    initrdKernelOptions({ initrdRelease: `${dir}/none`, cmdline: `${dir}/cmdline` }),
    {
      disabled: false,
      debug: false,
      reveal: true,
      beep: false,
      delaySeconds: 0,
    },
  );
  await Deno.writeTextFile(`${dir}/initrd-release`, "");
  assert.deepEqual(
    initrdKernelOptions({ initrdRelease: `${dir}/initrd-release`, cmdline: `${dir}/cmdline` }),
    { disabled: true, debug: true, reveal: true, beep: false, delaySeconds: 0 },
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseKernelOptions: rd.askpw.reveal=0 takes the reveal key away, rd.askpw.beep=1 rings", () => {
  assert.equal(parseKernelOptions("quiet").reveal, true);
  assert.equal(parseKernelOptions("rd.askpw.reveal=0").reveal, false);
  assert.equal(parseKernelOptions("rd.askpw.reveal=off rd.askpw.reveal").reveal, true);
  assert.equal(parseKernelOptions("quiet").beep, false);
  assert.equal(parseKernelOptions("rd.askpw.beep=1").beep, true);
  assert.equal(parseKernelOptions("rd.askpw.beep").beep, true);
  assert.equal(parseKernelOptions("rd.askpw.beep=1 rd.askpw.beep=no").beep, false);
  assert.equal(parseKernelOptions("askpw.beep=1 rd.askpw.beeps=1").beep, false);
});

Deno.test("parseKernelOptions: rd.askpw.delay=SEC, seconds up to a day; anything else keeps 0", () => {
  assert.equal(parseKernelOptions("quiet").delaySeconds, 0);
  assert.equal(parseKernelOptions("rd.askpw.delay=5").delaySeconds, 5);
  assert.equal(parseKernelOptions("rd.askpw.delay=2.5").delaySeconds, 2.5);
  assert.equal(parseKernelOptions("rd.askpw.delay=5 rd.askpw.delay=x").delaySeconds, 5);
  assert.equal(parseKernelOptions("rd.askpw.delay=-1").delaySeconds, 0);
  assert.equal(parseKernelOptions("rd.askpw.delay=999999").delaySeconds, 0);
  assert.equal(parseKernelOptions("rd.askpw.delay").delaySeconds, 0);
});
