/**
 * The askpw package on a whole system, not only in its initrd: QEMU (TCG)
 * boots a Debian root (tests/package/package_root.ts: debootstrapped, the
 * .deb installed with apt-get, the initrd made by the root's own dracut for
 * its own kernel) from a LUKS2 disk, through the switch to the real root and
 * into its multi-user boot:
 *
 * - the initrd's askpw asks for the root's passphrase (the test types it);
 * - as the initrd ends (the isolation to initrd-switch-root.target), a test
 *   unit of the initrd (tests/boot/dracut/97askpw-gap) writes a password
 *   request and its asker lives on into the real root; the test answers it
 *   only once the real root runs, so the real root's askpw must answer a
 *   request that was pending across the switch (no gap at the switch-root:
 *   whatever askpw the initrd still ran is gone by then, systemd's SIGTERM
 *   to the initrd's last processes spares only the "@" ones);
 * - a second LUKS2 disk, listed only in the real root's /etc/crypttab (not in
 *   the initrd, which never asks for it), is unlocked by the real root's
 *   systemd-cryptsetup: the real root's askpw (askpw-agent.path, enabled by
 *   the package's preset) asks for it, the test types its passphrase, the
 *   boot mounts it (/etc/fstab, no nofail: the boot waits for it);
 * - on sid (systemd 262, whose executor forwards a unit's PAM conversation
 *   to ask-password), a service with `PAMName=` whose session stack holds a
 *   test module (tests/boot/pam/, built with the host's cc against libpam)
 *   asks a `PAM_PROMPT_ECHO_OFF` and then a `PAM_PROMPT_ECHO_ON` question:
 *   the real root's askpw names each a PAM question of that unit, counts
 *   down its 15 s, shows the second with echo, and the service receives both
 *   answers; then root's `systemd --user` (pid1 262's user manager) runs
 *   askpw's user agent for a `systemd-ask-password --user` request, and that
 *   agent verifies the `$MANAGERPIDFDID` its manager gave it;
 * - a test unit of the real root (tests/boot/running_system/) reports what
 *   ran (systemd's console agent kept aside by its condition, askpw's log of
 *   this root's run) and powers off.
 *
 * Once for bookworm (systemd 252) and once for sid (systemd 262), each from
 * the cached root the other package tests use. The root on the disk is the
 * prepared one without what a boot never reads (/boot, documentation,
 * apt's lists, most kernel modules: the initrd loaded the drivers this VM
 * needs), so that the disk stays small and quick to build.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type Distribution, SID } from "../package/distributions.ts";
import { inRoot, preparePackageRoot } from "../package/package_root.ts";
import { testDeb } from "../package/test_deb.ts";
import { buildLuksDisk } from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments } from "../../tools/vm/qemu.ts";
import { run } from "../../tools/vm/run.ts";
import { reportLines, SerialSession } from "../../tools/vm/serial_session.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const ROOT_PASSPHRASE = "correct horse battery";
const DATA_PASSPHRASE = "second disk staple";
const GAP_ANSWER = "answered across the switch";
const PAM_SECRET = "pam secret 7";
const PAM_NAME = "pam-name-visible";
const USER_ANSWER = "answered by the user agent";
// (?<![="]): log lines quoting a message (Message=…, "…") are not prompts.
const ROOT_PROMPT = /(?<![="])Please enter passphrase for disk [^\n]*?luks-[^\n]*?:/;
const LATER_PROMPTS =
  /(?<![="])(Please enter passphrase for disk [^\n]*?data[^\n]*?:|Gap question:|askpw PAM test (secret|name):|User question:)/;
const TIMEOUT_SECONDS = 400;
const options = { sanitizeOps: false, sanitizeResources: false };
// deno-lint-ignore no-control-regex
const ANSI = /\x1b(\[[0-9;?]*[A-Za-z]|[78])|\r/g;
// No splash: askpw's own prompts on the serial console.
const NO_PLYMOUTH = ["plymouth.enable=0", "rd.plymouth=0"];

/** Bookworm's root as tests/package/deb_test.ts and package_boot_test.ts make it. */
const BOOKWORM: Distribution = { suite: "bookworm", extraPackages: ["cryptsetup", "zstd"] };

const scratch = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "askpw-running-system-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(scratch, { recursive: true });
  } catch {
    // Already gone.
  }
});

/** Kernel module trees the VM never loads after the initrd (it brought the disk's drivers). */
const UNUSED_MODULES = [
  "sound",
  "net",
  "drivers/gpu",
  "drivers/net",
  "drivers/media",
  "drivers/infiniband",
  "drivers/staging",
  "drivers/usb",
  "drivers/scsi",
  "drivers/iio",
  "drivers/hid",
  "drivers/bluetooth",
  "drivers/mtd",
  "drivers/isdn",
  "drivers/video",
  "drivers/hwmon",
  "drivers/misc",
];

/**
 * Makes the prepared root bootable as the real root of the test: the second
 * disk in /etc/crypttab and /etc/fstab, the report unit, and nothing a boot
 * does not read.
 */
async function prepareRealRoot(
  root: string,
  data: { uuid: string },
  pam: boolean,
): Promise<void> {
  if (pam) await installPamTest(root);
  await Deno.writeTextFile(
    `${root}/etc/crypttab`,
    // No x-initrd.attach, no force: dracut leaves it out of any initrd, and
    // the real root's systemd-cryptsetup-generator sets it up.
    `data UUID=${data.uuid} none luks\n`,
  );
  await Deno.writeTextFile(
    `${root}/etc/fstab`,
    "/dev/mapper/data /mnt/data ext4 defaults 0 0\n",
  );
  await Deno.mkdir(`${root}/mnt/data`, { recursive: true });
  await Deno.copyFile(
    `${ROOT}tests/boot/running_system/askpw-e2e-running.sh`,
    `${root}/usr/local/bin/askpw-e2e-running.sh`,
  );
  await Deno.chmod(`${root}/usr/local/bin/askpw-e2e-running.sh`, 0o755);
  await Deno.copyFile(
    `${ROOT}tests/boot/running_system/askpw-e2e-running.service`,
    `${root}/etc/systemd/system/askpw-e2e-running.service`,
  );
  // The initrd's asker lives on across the switch in a unit the real root
  // knows too (IgnoreOnIsolate=yes: not stopped by the isolation of its
  // default target), as the units of storage daemons do.
  await Deno.copyFile(
    `${ROOT}tests/boot/dracut/97askpw-gap/askpw-e2e-gap.service`,
    `${root}/etc/systemd/system/askpw-e2e-gap.service`,
  );
  await Deno.mkdir(`${root}/etc/systemd/system/multi-user.target.wants`, { recursive: true });
  await Deno.symlink(
    "../askpw-e2e-running.service",
    `${root}/etc/systemd/system/multi-user.target.wants/askpw-e2e-running.service`,
  );
  const modules = [...Deno.readDirSync(`${root}/usr/lib/modules`)].map((entry) => entry.name);
  await run("rm", [
    "-rf",
    "--one-file-system",
    `${root}/boot`,
    `${root}/usr/share/doc`,
    `${root}/usr/share/man`,
    `${root}/usr/share/info`,
    `${root}/var/lib/apt/lists`,
    `${root}/var/cache/apt`,
    ...modules.flatMap((version) =>
      UNUSED_MODULES.map((tree) => `${root}/usr/lib/modules/${version}/kernel/${tree}`)
    ),
  ]);
  await Deno.mkdir(`${root}/boot`);
}

/**
 * The PAM test (tests/boot/pam/): its module, built here with the host's cc
 * against libpam (the same ABI in every release), its PAM stack and its
 * service, wanted by multi-user.target; the report waits for it.
 */
async function installPamTest(root: string): Promise<void> {
  const dir = `${root}/usr/lib/askpw-pam-test`;
  await Deno.mkdir(dir, { recursive: true });
  await run("cc", [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-shared",
    "-fPIC",
    "-o",
    `${dir}/pam_askpw_test.so`,
    `${ROOT}tests/boot/pam/pam_askpw_test.c`,
    "-lpam",
  ]);
  await Deno.copyFile(`${ROOT}tests/boot/pam/report.sh`, `${dir}/report.sh`);
  await Deno.chmod(`${dir}/report.sh`, 0o755);
  await Deno.copyFile(
    `${ROOT}tests/boot/pam/askpw-pam-test.pam`,
    `${root}/etc/pam.d/askpw-pam-test`,
  );
  await Deno.copyFile(
    `${ROOT}tests/boot/pam/askpw-pam-test.service`,
    `${root}/etc/systemd/system/askpw-pam-test.service`,
  );
  await Deno.mkdir(`${root}/etc/systemd/system/multi-user.target.wants`, { recursive: true });
  await Deno.symlink(
    "../askpw-pam-test.service",
    `${root}/etc/systemd/system/multi-user.target.wants/askpw-pam-test.service`,
  );
  // The per-user request, after the PAM test.
  await Deno.copyFile(
    `${ROOT}tests/boot/running_system/askpw-e2e-user.sh`,
    `${root}/usr/local/bin/askpw-e2e-user.sh`,
  );
  await Deno.chmod(`${root}/usr/local/bin/askpw-e2e-user.sh`, 0o755);
  await Deno.copyFile(
    `${ROOT}tests/boot/running_system/askpw-e2e-user.service`,
    `${root}/etc/systemd/system/askpw-e2e-user.service`,
  );
  // The test root has neither D-Bus nor libpam-systemd (a minimal debootstrap):
  // systemd-user-runtime-dir needs the bus (it asks logind for the
  // directory's size) and pam_systemd sets $XDG_RUNTIME_DIR. Two drop-ins do
  // what they would: /run/user/UID, and the variable for the user manager.
  await Deno.mkdir(`${root}/etc/systemd/system/user-runtime-dir@.service.d`, { recursive: true });
  await Deno.writeTextFile(
    `${root}/etc/systemd/system/user-runtime-dir@.service.d/no-dbus.conf`,
    "[Service]\nExecStart=\nExecStart=/bin/sh -c 'install -d -m 0700 -o %i /run/user/%i'\n" +
      "ExecStop=\nExecStop=/bin/rm -rf /run/user/%i\n",
  );
  await Deno.mkdir(`${root}/etc/systemd/system/user@.service.d`, { recursive: true });
  await Deno.writeTextFile(
    `${root}/etc/systemd/system/user@.service.d/no-pam-systemd.conf`,
    "[Service]\nEnvironment=XDG_RUNTIME_DIR=/run/user/%i\n",
  );
  // No login prompt on the serial console: agetty would take the console's
  // input from under the user agent's prompt, which comes after multi-user.
  await Deno.symlink("/dev/null", `${root}/etc/systemd/system/serial-getty@.service`);
  // The report comes after both (whatever became of them).
  await Deno.mkdir(`${root}/etc/systemd/system/askpw-e2e-running.service.d`, { recursive: true });
  await Deno.writeTextFile(
    `${root}/etc/systemd/system/askpw-e2e-running.service.d/pam.conf`,
    "[Unit]\nWants=askpw-pam-test.service askpw-e2e-user.service\n" +
      "After=askpw-pam-test.service askpw-e2e-user.service\n",
  );
}

/** MiB of the files under a directory. */
async function sizeMiB(directory: string): Promise<number> {
  return Number((await run("du", ["-s", "-m", "-x", directory])).split(/\s/)[0]);
}

/** One whole boot of a distribution's root; returns the report and the times. */
async function bootRunningSystem(distribution: Distribution): Promise<void> {
  const { suite } = distribution;
  const directory = `${scratch}/${suite}`;
  await Deno.mkdir(directory);
  const started = performance.now();
  const { root, kernelVersion, vmlinuz, initrd } = await preparePackageRoot({
    deb: await testDeb(),
    directory,
    suite,
    extraPackages: distribution.extraPackages,
    dracutModules: [`${ROOT}tests/boot/dracut/97askpw-gap`],
    dracutArgs: ["--no-compress", "--add", "crypt askpw-gap"],
  });
  // The root's own lsinitrd (bookworm's cannot read what dracut 112 makes).
  const listing = await inRoot(root, "lsinitrd /boot/initrd-test.img");
  for (const file of ["usr/bin/askpw", "usr/lib/systemd/system/askpw-e2e-gap.service"]) {
    assert.ok(listing.includes(` ${file}\n`), `${file} is in ${suite}'s initrd`);
  }
  // Debian's dracut makes generic initrds: no crypttab, only rd.luks.uuid= for the root.
  assert.ok(
    !listing.includes(" etc/crypttab\n"),
    "no crypttab in the initrd: it never asks for data",
  );
  // The kernel and initrd stay outside the root, which loses its /boot.
  const kernel = `${directory}/vmlinuz`;
  const initramfs = `${directory}/initrd.img`;
  await Deno.rename(vmlinuz, kernel);
  await Deno.rename(initrd, initramfs);

  const data = await buildLuksDisk(directory, "data", DATA_PASSPHRASE);
  const pam = distribution === SID;
  await prepareRealRoot(root, data, pam);
  const rootMiB = await sizeMiB(root);
  // ext4's metadata and some room to write in, the LUKS2 header.
  const diskMiB = Math.ceil(rootMiB * 1.25) + 64;
  const diskStarted = performance.now();
  const rootDisk = await buildLuksDisk(directory, "root", ROOT_PASSPHRASE, "aes-xts-plain64", {
    contents: root,
    sizeMiB: diskMiB,
  });
  const diskSeconds = (performance.now() - diskStarted) / 1000;
  await Deno.remove(root, { recursive: true });
  console.log(
    `${suite}: kernel ${kernelVersion}, root ${rootMiB} MiB on a ${diskMiB} MiB disk ` +
      `(built in ${diskSeconds.toFixed(0)} s), ready after ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s`,
  );

  const logs = `${ROOT}build/boot-logs/`;
  await Deno.mkdir(logs, { recursive: true });
  await using vm = new SerialSession(
    qemuArguments(
      initramfs,
      [rootDisk, data],
      kernelCommandLine(rootDisk, [], ["rw", ...NO_PLYMOUTH]),
      { kernel },
    ),
    `${logs}running-system-${suite}.log`,
  );
  let offset = await vm.waitFor(ROOT_PROMPT, TIMEOUT_SECONDS);
  const rootPrompt = vm.elapsed;
  await new Promise((resolve) => setTimeout(resolve, 500));
  await vm.type(`${ROOT_PASSPHRASE}\r`);
  // The real root's systemd says welcome (the initrd's did before the root's prompt).
  const switched = await vm.waitFor(/Welcome to [^\n]*!/, TIMEOUT_SECONDS, offset);
  const realRoot = vm.elapsed;
  // The initrd's askpw may have shown the gap question before the switch: not answered there.
  const gapInInitrd = /Gap question:/.test(vm.output.slice(offset, switched));
  offset = switched;
  // The real root's askpw asks for the gap question and for the data disk (and
  // on sid the PAM test's two questions), in whichever order the requests came.
  const later: Record<string, number> = {};
  const screens: Record<string, string> = {};
  const expected = pam ? 5 : 2;
  let countdown = "";
  const promptOrReport = new RegExp(`${LATER_PROMPTS.source}|E2E: running system reached`);
  const answers = {
    gap: GAP_ANSWER,
    data: DATA_PASSPHRASE,
    pamSecret: PAM_SECRET,
    pamName: PAM_NAME,
    user: USER_ANSWER,
  };
  while (Object.keys(later).length < expected) {
    const end = await vm.waitFor(promptOrReport, TIMEOUT_SECONDS, offset);
    const prompt = promptOrReport.exec(vm.output.slice(offset))![0];
    assert.ok(
      !prompt.startsWith("E2E"),
      `the report came before askpw asked all; asked so far: ${Object.keys(later).join(", ")}`,
    );
    const which = prompt.includes("Gap question")
      ? "gap"
      : prompt.includes("PAM test secret")
      ? "pamSecret"
      : prompt.includes("PAM test name")
      ? "pamName"
      : prompt.includes("User question")
      ? "user"
      : "data";
    assert.equal(later[which], undefined, `${which} is asked once: ${prompt}`);
    later[which] = vm.elapsed;
    screens[which] = vm.output.slice(offset, end);
    offset = end;
    // The PAM secret waits 2.5 s, so that askpw's countdown ticks in front of the test.
    await new Promise((resolve) => setTimeout(resolve, which === "pamSecret" ? 2500 : 500));
    if (which === "pamSecret") countdown = vm.output.slice(end);
    await vm.type(`${answers[which]}\r`);
    if (which === "pamName") {
      // Shown with echo: the typed name comes back on the console.
      await vm.waitFor(new RegExp(PAM_NAME), 60, offset);
    }
  }
  await vm.waitFor(/E2E: running system reached/, TIMEOUT_SECONDS, offset);
  const reached = vm.elapsed;
  await vm.waitFor(/RUNNING-OK/, TIMEOUT_SECONDS, offset);
  const status = await vm.exit(120);
  const poweredOff = vm.elapsed;
  const e2e = reportLines(vm.output);
  console.log(e2e);
  assert.ok(status.success, "QEMU exited: the system powered off");
  assert.match(e2e, /^E2E: initrd-release: no$/m, "the report ran in the real root");
  assert.match(e2e, new RegExp(`^E2E: data marker: ${data.marker}$`, "m"));
  assert.match(e2e, /^E2E: data mounted: \/dev\/mapper\/data$/m);
  assert.match(e2e, /^E2E: unit askpw-agent\.path: active\/success condition yes file enabled$/m);
  assert.match(e2e, /^E2E: unit askpw-agent\.service: active\/success condition yes/m);
  assert.match(e2e, /^E2E: unit askpw-fallback\.service: inactive\/success/m);
  // systemd's console agent: enabled as ever (a static link), but kept aside.
  assert.match(
    e2e,
    /^E2E: unit systemd-ask-password-console\.path: inactive\/success condition no/m,
  );
  assert.match(e2e, /^E2E: unit systemd-cryptsetup@data\.service: active\/success/m);
  assert.match(e2e, /^E2E: fallback flag: no$/m);
  // The real root's askpw answered both from the serial console.
  const answered = [...e2e.matchAll(/^E2E-LOG: Answered \S+ from console \/dev\/ttyS0$/gm)];
  // (the user agent's answer is in its own journal)
  assert.equal(answered.length, pam ? 4 : 2, "this root's askpw answered every question it asked");
  assert.match(e2e, /^E2E-LOG: New request \S+: "Gap question:"/m);
  assert.match(e2e, /^E2E-LOG: New request \S+: "Please enter passphrase for disk [^"]*data/m);
  assert.match(e2e, new RegExp(`^E2E: gap answer: ${GAP_ANSWER}$`, "m"));
  // Written in the initrd's last moments: its askpw's path unit had stopped.
  const gap =
    /^E2E-GAP: request written after \d+ checks; askpw-agent\.service (\w+), askpw-agent\.path inactive; jobs: \d+$/m
      .exec(e2e);
  assert.ok(gap, "the gap request was written as the initrd ended");
  // askpw's summary line above its prompt: systemd's agent has none.
  assert.match(vm.output, /Passphrase · disk data/);
  if (pam) assertPamQuestions(e2e, vm.output, screens, countdown);
  const times = /^E2E: times: (.*)$/m.exec(e2e)?.[1];
  const measurements = {
    suite,
    kernelVersion,
    rootMiB,
    diskMiB,
    rootPromptSeconds: rootPrompt,
    realRootSeconds: realRoot,
    initrdAgentAtGapRequest: gap[1],
    gapShownInInitrd: gapInInitrd,
    gapPromptSeconds: later.gap,
    dataPromptSeconds: later.data,
    reportSeconds: reached,
    poweredOffSeconds: poweredOff,
    guestTimes: times,
  };
  console.log(JSON.stringify(measurements));
  await Deno.writeTextFile(
    `${ROOT}build/running-system-${suite}-measurements.json`,
    JSON.stringify(measurements, null, 2) + "\n",
  );
  await Deno.remove(directory, { recursive: true });
}

/**
 * The PAM test's two questions, as askpw showed them and as the service got
 * their answers.
 */
function assertPamQuestions(
  e2e: string,
  output: string,
  screens: Record<string, string>,
  countdown: string,
): void {
  // The service's PAM session opened with both answers (the secret as its SHA-256).
  const digest = createHash("sha256").update(PAM_SECRET).digest("hex");
  assert.match(e2e, new RegExp(`^E2E-PAM: secret sha256 ${digest}$`, "m"));
  assert.match(e2e, new RegExp(`^E2E-PAM: name ${PAM_NAME}$`, "m"));
  // Named a PAM question of that unit, with the time left of its 15 s.
  const left: number[] = [];
  for (const which of ["pamSecret", "pamName"]) {
    const shown = /PAM question · (\d+) s left · asked by askpw-pam-test\.service/.exec(
      screens[which].replace(ANSI, ""),
    );
    assert.ok(shown, `${which}: ${screens[which]}`);
    left.push(Number(shown[1]));
  }
  assert.ok(left[0] <= 15, `at most 15 s left: ${left[0]}`);
  // Counted down in place while the test waited to type the secret.
  const ticks = [...countdown.replace(ANSI, "").matchAll(/PAM question · (\d+) s left/g)]
    .map((match) => Number(match[1]));
  assert.ok(ticks.length > 0 && ticks.every((tick) => tick < left[0]), `ticks: ${ticks}`);
  assert.match(
    e2e,
    /^E2E-LOG: New request \S+: "askpw PAM test secret:", PID \d+, AcceptCached=1; asked by askpw-pam-test\.service, \/usr\/lib\/systemd\/systemd-executor, pidfs ID \d+; kind pam-question$/m,
  );
  assert.match(
    e2e,
    /^E2E-LOG: New request \S+: "askpw PAM test name:", PID \d+, Echo=1, AcceptCached=1; asked by askpw-pam-test\.service/m,
  );
  // Neither answer came from the cache: both were typed.
  assert.doesNotMatch(e2e, /PAM test[^\n]*from the password cache/);
  // The secret never shows; the name was echoed as it was typed.
  assert.ok(!output.includes(PAM_SECRET), "the PAM secret stays off the console");
  // Root's systemd --user ran askpw's user agent, which answered the per-user
  // request and verified the $MANAGERPIDFDID its manager gave it.
  assert.match(e2e, /^E2E-USER: user@0\.service active$/m);
  assert.match(e2e, new RegExp(`^E2E-USER: exit status 0, answer ${USER_ANSWER}$`, "m"));
  assert.match(e2e, /^E2E-USER-LOG: \$MANAGERPIDFDID verified: PID \d+ has pidfs ID \d+$/m);
  assert.match(
    e2e,
    /^E2E-USER-LOG: New request \/run\/user\/0\/systemd\/ask-password\/ask\.\S+: "User question:"/m,
  );
  assert.match(e2e, /^E2E-USER-LOG: Answered \S+ from console \/dev\/ttyS0$/m);
}

Deno.test({
  ...options,
  name: "running system (bookworm): the real root's askpw unlocks a second LUKS2 disk from " +
    "its crypttab and answers a request written at the switch-root",
}, async () => {
  await bootRunningSystem(BOOKWORM);
});

Deno.test({
  ...options,
  name: "running system (sid): the real root's askpw unlocks a second LUKS2 disk from " +
    "its crypttab, answers a request written at the switch-root and a unit's PAM questions",
}, async () => {
  await bootRunningSystem(SID);
});
