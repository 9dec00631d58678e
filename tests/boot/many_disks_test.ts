/**
 * Boot scenario: a server with many LUKS2 disks (40 by default,
 * ASKPW_MANY_DISKS=N for another count) on one virtio-scsi controller, all
 * with the same passphrase, typed once into askpw's prompt.
 *
 * The volumes come from an /etc/crypttab in the initrd, not from
 * rd.luks.uuid= options: 40 of them would not fit the 2048 bytes x86 allows
 * for the kernel command line, and any rd.luks.uuid= would make
 * systemd-cryptsetup-generator skip the crypttab entries it does not list.
 * Only the root disk holds a file system; the others are LUKS2 headers.
 *
 * The test types only once every disk's request is pending, so the number
 * askpw holds at once is always the disk count, however fast the disks
 * appeared. Timings go to build/many-disks-measurements.json.
 */
import assert from "node:assert/strict";
import { buildInitrd } from "../../tools/vm/dracut_initrd.ts";
import { buildLuksDisk, crypttab, type LuksDisk, mapperName } from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments } from "../../tools/vm/qemu.ts";
import { reportLines, SerialSession } from "../../tools/vm/serial_session.ts";

const PASSPHRASE = "correct horse battery";
// As in boot_test.ts: log lines quoting the message (Message=…, "…") are not prompts.
const PROMPT = /(?<![="])Please enter passphrase for disk [^\n]*?:/;
const DISKS = diskCount(Deno.env.get("ASKPW_MANY_DISKS"));
const BOOT_TIMEOUT_SECONDS = 600;
const UNLOCK_TIMEOUT_SECONDS = 400;

/** ASKPW_MANY_DISKS, checked: a virtio-scsi controller has 256 targets. */
function diskCount(value: string | undefined): number {
  if (value === undefined) return 40;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 2 || count > 256) {
    throw new Error(`ASKPW_MANY_DISKS must be an integer from 2 to 256, not "${value}"`);
  }
  return count;
}

function seconds(since: number): number {
  return Number(((performance.now() - since) / 1000).toFixed(2));
}

/** How askpw's journal says each request ended, by ask file. */
function outcomes(log: string): Map<string, "typed" | "cache" | "keyring"> {
  const ended = new Map<string, "typed" | "cache" | "keyring">();
  const rules: [RegExp, "typed" | "cache" | "keyring"][] = [
    [/^Answered (\S+) from console \//, "typed"],
    [/^Answered (\S+) from the password cache \(AcceptCached=1\)/, "cache"],
    // systemd-cryptsetup found the passphrase in the kernel keyring (the
    // first unlock put it there) and took its request back.
    [/^Asker of (\S+) has gone before the answer from the password cache/, "keyring"],
    [
      /^Withdrawing (?:the answer waiting for )?(\S+): its (ask file vanished|asker PID \d+ exited)/,
      "keyring",
    ],
  ];
  for (const line of log.split("\n")) {
    for (const [pattern, outcome] of rules) {
      const match = pattern.exec(line);
      if (match && !ended.has(match[1])) ended.set(match[1], outcome);
    }
  }
  return ended;
}

/**
 * What the console shows of the boot's progress, for a failure message and
 * the measurements. The unit counts are lower bounds: systemd holds its status
 * lines back while any password request is pending.
 */
function progress(output: string) {
  // \S*: systemd colours the unit name ("Starting <ESC>[0;1;39msystemd-cryptsetu…").
  return {
    prompts: [...output.matchAll(new RegExp(PROMPT, "g"))].length,
    cryptsetupStarted: [...output.matchAll(/Starting \S*systemd-cryptsetu/g)].length,
    cryptsetupFinished: [...output.matchAll(/Finished \S*systemd-cryptsetu/g)].length,
  };
}

Deno.test({
  name:
    `many disks: ${DISKS} LUKS2 volumes on virtio-scsi from /etc/crypttab, one passphrase typed once`,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "askpw-many-disks-" });
  const measurements: Record<string, unknown> = { disks: DISKS, bus: "virtio-scsi" };
  try {
    let started = performance.now();
    const root = await buildLuksDisk(dir, "root", PASSPHRASE);
    const rootSeconds = seconds(started);
    started = performance.now();
    const others: LuksDisk[] = [];
    for (let index = 1; index < DISKS; index++) {
      others.push(
        await buildLuksDisk(dir, `disk${index}`, PASSPHRASE, "aes-xts-plain64", {
          headerOnly: true,
        }),
      );
    }
    const headersSeconds = seconds(started);
    const disks = [root, ...others];
    await Deno.writeTextFile(`${dir}/crypttab`, crypttab(disks));
    started = performance.now();
    const initrd = await buildInitrd(dir, "initrd-many-disks", {
      askpw: true,
      e2e: true,
      drivers: ["virtio_scsi", "sd_mod"],
      include: [{ source: `${dir}/crypttab`, target: "/etc/crypttab" }],
    });
    measurements.buildSeconds = {
      rootDisk: rootSeconds,
      headerOnlyDisks: headersSeconds,
      initrd: seconds(started),
    };
    measurements.initrdBytes = initrd.size;

    const append = kernelCommandLine(root, [], [`askpw.e2e.pending=${DISKS}`], { crypttab: true });
    assert.match(append, new RegExp(`root=/dev/mapper/${mapperName(root)} `));
    // Console logs stay for a look after a failure (build/ is git-ignored).
    const logs = new URL("../../build/boot-logs/", import.meta.url).pathname;
    await Deno.mkdir(logs, { recursive: true });
    await using vm = new SerialSession(
      qemuArguments(initrd.path, disks, append, { bus: "virtio-scsi" }),
      `${logs}many-disks-${DISKS}.log`,
    );
    let output = "";
    try {
      const prompted = await vm.waitFor(PROMPT, BOOT_TIMEOUT_SECONDS);
      measurements.promptSeconds = Number(vm.elapsed.toFixed(2));
      const pending = await vm.waitFor(
        /E2E: \d+ password requests pending/,
        BOOT_TIMEOUT_SECONDS,
      );
      measurements.allPendingSeconds = Number(vm.elapsed.toFixed(2));
      // Let the agent finish switching the terminal to no-echo before typing.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await vm.type(`${PASSPHRASE}\r`);
      measurements.typedSeconds = Number(vm.elapsed.toFixed(2));
      await vm.waitFor(/UNLOCK-OK/, UNLOCK_TIMEOUT_SECONDS, Math.max(prompted, pending));
      measurements.unlockSeconds = Number(vm.elapsed.toFixed(2));
      await vm.exit(120);
      output = vm.output;
    } catch (error) {
      measurements.console = progress(vm.output);
      throw new Error(
        `${(error as Error).message}\nconsole so far: ${JSON.stringify(progress(vm.output))}`,
      );
    }

    measurements.console = progress(output);
    // reportLines finds a report line also where another console write
    // (a prompt redraw, a status line) ran into its start.
    const report = reportLines(output);
    const e2e = report.split("\n");
    const log = e2e.filter((line) => line.startsWith("E2E-LOG: "))
      .map((line) => line.slice("E2E-LOG: ".length)).join("\n");
    const ended = outcomes(log);
    const count = (outcome: string) => [...ended.values()].filter((o) => o === outcome).length;
    const answers = {
      requests: [...log.matchAll(/^New request /gm)].length,
      typed: count("typed"),
      cache: count("cache"),
      keyring: count("keyring"),
    };
    measurements.answers = answers;

    assert.match(report, new RegExp(`E2E: ${DISKS} password requests pending`));
    assert.match(report, new RegExp(`E2E: LUKS volumes mapped: ${DISKS}$`, "m"));
    assert.match(report, new RegExp(`E2E: root marker: ${root.marker}`));
    assert.match(report, /E2E: unit askpw-agent.service: active\/success/);
    assert.match(report, /E2E: unit systemd-ask-password-console.service: inactive/);
    assert.match(report, /E2E-LOG: Answered \S+ from console \/dev\/ttyS0/);
    assert.equal(progress(output).prompts, 1, "one prompt, typed once");
    assert.equal(answers.requests, DISKS, "askpw saw every disk's request");
    assert.equal(answers.typed, 1, "one request answered by what was typed");
    assert.equal(
      answers.cache + answers.keyring,
      DISKS - 1,
      "every other request answered from askpw's cache or taken back by its asker",
    );
  } finally {
    const out = new URL("../../build/", import.meta.url).pathname;
    await Deno.mkdir(out, { recursive: true });
    await Deno.writeTextFile(
      `${out}many-disks-measurements.json`,
      JSON.stringify(measurements, null, 2) + "\n",
    );
    console.log(JSON.stringify(measurements));
    await Deno.remove(dir, { recursive: true });
  }
});
