/**
 * askpw where people install it today: Debian trixie (systemd 257, kernel
 * 6.12, dracut 106, Plymouth 24) and sid (systemd 262, kernel 7.2, dracut 112,
 * Plymouth 26). For each, the one .deb (tools/deb.sh, built once) is installed
 * with apt-get into a debootstrapped root of that release
 * (tests/package/distributions.ts), whose own dracut builds the initrd for its
 * own kernel (the package's dracut.conf.d snippet brings askpw in; only the
 * test module 99askpw-e2e is added), and QEMU (TCG) boots that kernel and
 * initrd on a LUKS2 root:
 *
 * 1+3. askpw's console prompt: a wrong passphrase, then the right one (the
 *   retry prompt says so), one boot;
 * 2. that release's Plymouth asks (details view on the serial console), askpw
 *   answers through it;
 * 4. askpw killed before its prompt: systemd's console agent takes over.
 *
 * On sid, the console boot also runs what only a new systemd and kernel have:
 * 6. the socket checks for real (`askpw ask`'s reply socket refuses
 *   descriptors with SO_PASSRIGHTS=0 and receives the replier's pidfd through
 *   SO_PASSPIDFD; `list --json` shows pidfs IDs);
 * 7. pid1 262 gives askpw-agent.service neither `$MAINPIDFDID` nor
 *   `$MANAGERPIDFDID` (systemd.exec(5): control processes and per-user
 *   managers only), and askpw claims no check; in the Plymouth boot a drop-in
 *   gives it `$MANAGERPID=1` and a `$MANAGERPIDFDID` that is not pid1's, which
 *   askpw reports as a mismatch against pid1's real pidfd;
 * 9. an initrd unit's Varlink `io.systemd.AskPassword.Ask` to systemd 262's
 *   own socket (askpw installs none of its own there) answered at askpw's
 *   prompt;
 * and the Plymouth boot identifies plymouthd through SO_PEERPIDFD (6), and a
 * TPM2+PIN boot on a software TPM takes a wrong PIN, then the right one (5).
 *
 * Every boot is one entry of build/distribution-boots.json.
 */
import assert from "node:assert/strict";
import { type Distribution, distributionRoot, SID, TRIXIE } from "../package/distributions.ts";
import { inRoot, preparePackageRoot, pristineRoot, type Suite } from "../package/package_root.ts";
import { testDeb as buildDeb } from "../package/test_deb.ts";
import { varlinkClient } from "../helpers/varlink_client.ts";
import { earlyCpio, runtimeImageFiles, stageE2eModule } from "../../tools/vm/dracut_initrd.ts";
import { buildLuksDisk, type LuksDisk } from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments } from "../../tools/vm/qemu.ts";
import { run } from "../../tools/vm/run.ts";
import {
  bootAgainIfPanickedEarly,
  reportLines,
  SerialSession,
} from "../../tools/vm/serial_session.ts";
import { enrollTpm2WithPin, relaxDictionaryAttackLimits, Swtpm } from "../../tools/vm/swtpm.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const PASSPHRASE = "correct horse battery";
const WRONG_PASSPHRASE = "wrong horse battery";
const PIN = "246810";
const WRONG_PIN = "135790";
const HOOK_ANSWER = "answered by askpw";
const VARLINK_ANSWER = "varlink staple 42";
// (?<![="]): log and recorder lines quoting the message (Message=…, "…") are not prompts.
const PASSPHRASE_PROMPT = /(?<![="])Please enter passphrase for disk [^\n]*?:/;
const PIN_PROMPT = /(?<![="])Please enter (LUKS2 token|TPM2) PIN:/;
const HOOK_PROMPT = /(?<![="])Hook question:/;
const VARLINK_PROMPT = /(?<![="])Varlink question:/;
const TIMEOUT_SECONDS = 400;
const options = { sanitizeOps: false, sanitizeResources: false };
// Plymouth off: the console boots see askpw's own prompt.
const NO_PLYMOUTH = ["plymouth.enable=0", "rd.plymouth=0"];

const scratch = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "askpw-distributions-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(scratch, { recursive: true });
  } catch {
    // Already gone.
  }
});

/** A release's root with askpw installed, its initrd and what it is made of. */
interface Prepared {
  distribution: Distribution;
  root: string;
  vmlinuz: string;
  initrd: string;
  initrdBytes: number;
  versions: { systemd: string; kernel: string; dracut: string; plymouth: string };
  /** What apt-get said while installing the package. */
  installOutput: string;
  disk: LuksDisk;
  dir: string;
}

const prepared = new Map<Distribution, Promise<Prepared>>();

/** Prepares a release once: root, package, initrd (zstd), a LUKS2 disk. */
function prepare(distribution: Distribution): Promise<Prepared> {
  let done = prepared.get(distribution);
  if (done) return done;
  done = (async () => {
    const dir = `${scratch}/${distribution.suite}`;
    await Deno.mkdir(dir);
    const module = `${dir}/99askpw-e2e`;
    await stageE2eModule(module, await varlinkClient());
    // A missing piece gets one line naming the release (pristineRoot names the package).
    await distributionRoot(distribution);
    const started = performance.now();
    const { root, kernelVersion, vmlinuz, initrd, installOutput } = await preparePackageRoot({
      deb: await buildDeb(),
      directory: dir,
      suite: distribution.suite,
      extraPackages: distribution.extraPackages,
      // What the package suggests: with it the dracut module packs the
      // runtime its default way, a squashfs image (askpw_runtime).
      installWith: ["squashfs-tools"],
      dracutModules: [module],
      dracutArgs: [
        "--zstd",
        "--add",
        distribution === SID ? "askpw-e2e tpm2-tss" : "askpw-e2e",
      ],
    });
    const version = async (name: string) =>
      (await inRoot(root, `dpkg-query -W -f '\${Version}' ${name}`)).trim();
    const versions = {
      systemd: await version("systemd"),
      kernel: kernelVersion,
      dracut: await version("dracut"),
      plymouth: await version("plymouth"),
    };
    const initrdBytes = Deno.statSync(initrd).size;
    console.log(
      `${distribution.suite}: root ready in ${
        ((performance.now() - started) / 1000).toFixed(0)
      } s ` +
        `(${JSON.stringify(versions)}), initrd ${initrdBytes} bytes`,
    );
    const disk = await buildLuksDisk(dir, "root", PASSPHRASE);
    return {
      distribution,
      root,
      vmlinuz,
      initrd,
      initrdBytes,
      versions,
      installOutput,
      disk,
      dir,
    };
  })();
  prepared.set(distribution, done);
  return done;
}

/** One entry of build/distribution-boots.json. */
interface BootEntry {
  distribution: string;
  systemd: string;
  kernel: string;
  dracut: string;
  plymouth: string;
  scenario: string;
  unlocked: boolean;
  promptSeconds: number | null;
  initrdBytes: number;
}

const entries: BootEntry[] = [];

/** Rewrites build/distribution-boots.json with every boot so far. */
async function record(entry: BootEntry): Promise<void> {
  entries.push(entry);
  await Deno.mkdir(`${ROOT}build`, { recursive: true });
  await Deno.writeTextFile(
    `${ROOT}build/distribution-boots.json`,
    JSON.stringify(entries, null, 2) + "\n",
  );
}

/** A prompt to wait for and what to type there. */
interface Step {
  prompt: RegExp;
  answer: string;
  /** Wait for this report line before typing (e.g. the hook's listing). */
  after?: RegExp;
}

interface BootResult {
  output: string;
  e2e: string;
  log: string;
  /** Seconds from QEMU's start to the first prompt. */
  promptSeconds: number;
  /** The console text up to each prompt, from the end of the one before. */
  screens: string[];
}

/**
 * Boots a release's initrd on its disk with `extra` on the kernel command
 * line, answers `steps` in order and waits for the report. The boot is
 * recorded whether it unlocks or not. Should the guest kernel panic before
 * the first prompt ({@linkcode bootAgainIfPanickedEarly}), the same boot runs again,
 * once.
 */
async function boot(
  target: Prepared,
  scenario: string,
  extra: string[],
  steps: Step[],
  settings: { disk?: LuksDisk; tpmState?: string } = {},
): Promise<BootResult> {
  const disk = settings.disk ?? target.disk;
  const append = kernelCommandLine(disk, [], extra);
  await Deno.mkdir(`${ROOT}build/boot-logs/`, { recursive: true });
  const suite = target.distribution.suite;
  const entry: BootEntry = {
    distribution: suite,
    ...target.versions,
    scenario,
    unlocked: false,
    promptSeconds: null,
    initrdBytes: target.initrdBytes,
  };
  try {
    return await bootAgainIfPanickedEarly(
      `${suite} ${scenario}`,
      () => entry.promptSeconds !== null,
      () => bootOnce(target, scenario, append, steps, entry, disk, settings.tpmState),
    );
  } finally {
    await record(entry);
  }
}

/** One boot of {@linkcode boot}'s: fills `entry` as it goes. */
async function bootOnce(
  target: Prepared,
  scenario: string,
  append: string,
  steps: Step[],
  entry: BootEntry,
  disk: LuksDisk,
  tpmState: string | undefined,
): Promise<BootResult> {
  const logs = `${ROOT}build/boot-logs/`;
  const suite = target.distribution.suite;
  const tpm = tpmState ? await Swtpm.forQemu(tpmState, target.dir) : undefined;
  try {
    await using vm = new SerialSession(
      qemuArguments(target.initrd, [disk], append, {
        kernel: target.vmlinuz,
        tpmControlSocket: tpm?.controlSocket,
      }),
      `${logs}${suite}-${scenario}.log`,
    );
    let offset = 0;
    const screens: string[] = [];
    for (const step of steps) {
      const end = await vm.waitFor(step.prompt, TIMEOUT_SECONDS, offset);
      entry.promptSeconds ??= Number(vm.elapsed.toFixed(2));
      screens.push(vm.output.slice(offset, end));
      offset = end;
      if (step.after) await vm.waitFor(step.after, TIMEOUT_SECONDS, offset);
      // Let the agent finish switching the terminal to no-echo before typing.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await vm.type(`${step.answer}\r`);
    }
    offset = await vm.waitFor(/E2E: root mounted/, TIMEOUT_SECONDS, offset);
    await vm.waitFor(/UNLOCK-OK/, TIMEOUT_SECONDS, offset);
    await vm.exit(120);
    const e2e = reportLines(vm.output);
    entry.unlocked = new RegExp(`E2E: root marker: ${disk.marker}`).test(e2e);
    return {
      output: vm.output,
      e2e,
      log: e2e.split("\n").filter((line) => line.startsWith("E2E-LOG: "))
        .map((line) => line.slice("E2E-LOG: ".length)).join("\n"),
      promptSeconds: entry.promptSeconds ?? 0,
      screens,
    };
  } finally {
    await tpm?.stop();
  }
}

/** What every boot that unlocked through askpw shows. */
function assertUnlocked(result: BootResult, disk: LuksDisk): void {
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${disk.marker}`));
  assert.match(result.e2e, /E2E: unit askpw-agent.service: active\/success/);
  assert.match(result.e2e, /E2E: unit systemd-ask-password-console.service: inactive/);
  // The package's dracut module prepared Deno's cache inside the root's dracut run.
  assert.match(result.e2e, /^E2E: askpw code cache hits: 1$/m);
  // askpw ran from the module's default packing, the squashfs image, which
  // this release's kernel loop-mounted (loop and squashfs modules, zstd).
  assert.match(result.e2e, /^E2E: askpw runtime mounted: squashfs$/m);
}

for (const distribution of [TRIXIE, SID]) {
  const suite = distribution.suite;

  Deno.test({
    ...options,
    name: `${suite}: the package installs with apt-get (its Depends and Recommends resolve); ` +
      "the root's dracut takes askpw in",
  }, async () => {
    const target = await prepare(distribution);
    assert.match(target.installOutput, /Setting up askpw /);
    // Recommends: systemd-cryptsetup | systemd (<< 256): on these releases the former.
    const state = await inRoot(
      target.root,
      "dpkg-query -W -f '${Status} ${Version}\\n' askpw systemd-cryptsetup",
    );
    assert.match(state, /^install ok installed 0\.1\.0-1$/m);
    assert.equal(state.match(/install ok installed/g)?.length, 2, state);
    // The root's own lsinitrd: bookworm's lists nothing in an initrd made by dracut 112.
    const listing = await inRoot(target.root, "lsinitrd /boot/initrd-test.img");
    for (
      const file of [
        "usr/bin/askpw",
        "usr/lib/systemd/system/usr-lib-askpw.mount",
        "usr/lib/modules-load.d/askpw-runtime.conf",
      ]
    ) {
      assert.ok(listing.includes(` ${file}\n`), `${file} is in ${suite}'s initrd`);
    }
    // The default packing (squashfs-tools installed with the package): the
    // runtime is an image in the uncompressed early cpio, not in the rest.
    assert.ok(!listing.includes(" usr/lib/askpw/deno\n"), "Deno is not compressed with the rest");
    // The early cpio and the image, read on the host (sid's root has no cpio).
    const early = await earlyCpio(target.initrd);
    assert.ok(early.files["usr/lib/askpw.squashfs"], "the runtime is a squashfs image");
    const image = await runtimeImageFiles(target.initrd, early);
    for (const file of ["deno", "askpw.js", "cache/v8_code_cache_v2"]) {
      assert.ok(image.includes(`usr/lib/askpw/${file}`), `${file} is in ${suite}'s runtime image`);
    }
    if (suite === "sid") {
      // systemd 262 serves io.systemd.AskPassword: its socket, not askpw's.
      assert.ok(listing.includes("systemd-ask-password.socket"), "systemd's Varlink socket");
      assert.ok(!listing.includes("askpw-varlink.socket"), "no askpw-varlink.socket");
    }
  });

  Deno.test({
    ...options,
    name: `${suite} boot: a wrong passphrase, then the right one, at askpw's console prompt` +
      (suite === "sid"
        ? "; socket checks, pidfs IDs, no $MANAGERPIDFDID claimed, systemd 262's Varlink socket"
        : ""),
  }, async () => {
    const target = await prepare(distribution);
    const sid = distribution === SID;
    const result = await boot(
      target,
      "console-retry",
      [
        ...NO_PLYMOUTH,
        ...(sid
          ? ["askpw.e2e.ask", "askpw.e2e.sockets", "askpw.e2e.varlink", "rd.askpw.debug"]
          : []),
      ],
      [
        ...(sid ? [{ prompt: VARLINK_PROMPT, answer: VARLINK_ANSWER }] : []),
        { prompt: PASSPHRASE_PROMPT, answer: WRONG_PASSPHRASE },
        { prompt: PASSPHRASE_PROMPT, answer: PASSPHRASE },
        ...(sid ? [{ prompt: HOOK_PROMPT, answer: HOOK_ANSWER, after: /E2E-LIST: \]/ }] : []),
      ],
    );
    assertUnlocked(result, target.disk);
    assert.match(
      result.output,
      // (the summary line — kind, disk, asker — sits between them)
      /The previous passphrase was not accepted \(attempt 2\)\.\r?\n([^\n]*\r?\n)?[^\n]*Please enter passphrase/,
    );
    assert.match(result.log, /^Answered \S+ from console \/dev\/ttyS0/m);
    assert.match(result.output, /Passphrase · disk luks-[0-9a-f-]+ \(\/dev\/vda\)/);
    if (!sid) return;

    // 6. The socket checks on kernel 7.2: the real options, not their fallbacks.
    const sockets = Object.fromEntries(
      [...result.e2e.matchAll(/^E2E-SOCKETS: ([\w-]+)=(.*)$/gm)].map((
        match,
      ) => [match[1], match[2]]),
    );
    assert.match(sockets["pidfs"] ?? "", /^\d+$/);
    assert.equal(sockets["SO_PASSRIGHTS"], "0");
    assert.equal(sockets["SO_PASSPIDFD"], "1");
    assert.equal(sockets["socket-mode"], "600");
    assert.equal(sockets["nobody-reply"], "ignored (it came from uid 65534)");
    assert.equal(sockets["descriptor-send"], "refused (EPERM)");
    assert.match(sockets["root-reply"] ?? "", /^accepted \["from-root"\].*sender pidfd$/);
    // askpw ask in the initrd: its socket options, and who replied (askpw, by its pidfd).
    assert.match(
      result.e2e,
      /E2E-ASK: askpw: Reply socket \S+: SO_PASSCRED on; SO_PASSRIGHTS=0 on; SO_PASSPIDFD on/,
    );
    assert.match(result.e2e, /E2E-ASK: askpw: Reply from PID \d+, uid 0 \(.*pidfs ID \d+\)/);
    assert.match(result.e2e, /^E2E: hook answer: answered by askpw$/m);
    // Who asks, with a real pidfs ID, as `askpw list --json` said while the hook waited.
    const listed = JSON.parse(
      result.e2e.split("\n").filter((line) => line.startsWith("E2E-LIST: "))
        .map((line) => line.slice("E2E-LIST: ".length)).join("\n"),
    );
    const hook = listed.find((entry: { message: string }) => entry.message === "Hook question:");
    assert.equal(hook?.asker?.unit, "askpw-e2e-ask.service");
    assert.match(hook?.asker?.pidfdId ?? "", /^\d+$/);
    assert.match(
      result.log,
      /^New request \S+: "Please enter passphrase for disk [^"]*", Id="cryptsetup:[^"]*", PID \d+, AcceptCached=1; asked by systemd-cryptsetup@\S+\.service, \/usr\/bin\/systemd-cryptsetup, pidfs ID \d+; kind passphrase/m,
    );
    // 7. pid1 sets neither $MAINPIDFDID nor $MANAGERPIDFDID for a service's main
    // process (systemd.exec(5), 262: control processes, per-user managers):
    // askpw, logging at debug level, claims no check it could not make.
    assert.doesNotMatch(result.log, /PIDFDID/);
    // 9. systemd 262's own io.systemd.AskPassword socket; the question on askpw's prompt.
    const varlink = result.e2e.split("\n").filter((line) => line.startsWith("E2E-VARLINK: "))
      .map((line) => line.slice("E2E-VARLINK: ".length)).join("\n");
    assert.match(varlink, /^socket file: srw-rw-rw- 0 0$/m);
    assert.match(varlink, /^ask exit status: 0$/m);
    const digest = Array.from(
      new Uint8Array(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(VARLINK_ANSWER)),
      ),
      (byte) => byte.toString(16).padStart(2, "0"),
    ).join("");
    assert.match(
      varlink,
      new RegExp(`^ask answer: ${VARLINK_ANSWER.length} bytes, sha256 ${digest}$`, "m"),
    );
    assert.match(varlink, /^unit askpw-varlink\.socket: inactive\//m);
    assert.match(
      result.log,
      /^New request \S+: "Varlink question:".*asked by systemd-ask-password@/m,
    );
    assert.ok(!result.output.includes(VARLINK_ANSWER), "the Varlink answer stays off the console");
  });

  Deno.test({
    ...options,
    name: `${suite} boot: ${suite}'s Plymouth asks (details view), askpw answers through it` +
      (suite === "sid" ? "; plymouthd known by its pidfd, a wrong $MANAGERPIDFDID reported" : ""),
  }, async () => {
    const target = await prepare(distribution);
    const sid = distribution === SID;
    const result = await boot(
      target,
      "plymouth",
      sid ? ["rd.askpw.debug", "askpw.e2e.wrongpidfdid"] : [],
      [{ prompt: PASSPHRASE_PROMPT, answer: PASSPHRASE }],
    );
    assertUnlocked(result, target.disk);
    // (Plymouth 26 draws on tty1 as well.)
    assert.match(result.log, /^plymouthd \(PID \d+\) answers; it draws on (\S+, )*\/dev\/ttyS0/m);
    assert.match(result.log, /^Starting password query through plymouthd/m);
    assert.match(result.log, /^Answered \S+ from plymouth/m);
    assert.doesNotMatch(result.log, /^Starting password query on \/dev\/ttyS0/m);
    if (!sid) return;
    // 6. SO_PEERPIDFD: plymouthd named by its pidfd.
    assert.match(
      result.log,
      /^plymouthd \(PID \d+\) is \/usr\/sbin\/plymouthd, unit plymouth-start\.service, pidfs ID \d+$/m,
    );
    // 7. The drop-in's $MANAGERPID=1 and $MANAGERPIDFDID, which is not pid1's pidfs ID.
    assert.match(
      result.log,
      /^\$MANAGERPIDFDID=999999999999 does not match PID 1 \(pidfs ID \d+\): \$MANAGERPID names another process now$/m,
    );
  });

  Deno.test({
    ...options,
    name: `${suite} boot: askpw killed before its prompt; systemd's console agent takes over`,
  }, async () => {
    const target = await prepare(distribution);
    const result = await boot(
      target,
      "askpw-killed",
      [...NO_PLYMOUTH, "askpw.e2e.kill"],
      [{ prompt: PASSPHRASE_PROMPT, answer: PASSPHRASE }],
    );
    assert.match(result.e2e, /E2E: killed askpw \(PID \d+\) before its prompt/);
    assert.match(result.e2e, /E2E-SYSTEMD: askpw-agent.service: Failed with result 'signal'/);
    assert.match(result.e2e, /E2E: unit askpw-fallback.service: active\/success/);
    assert.doesNotMatch(result.log, /^Starting password query/m);
    assert.match(result.e2e, /E2E: unit systemd-ask-password-console.service: active\/success/);
    assert.match(result.e2e, new RegExp(`E2E: root marker: ${target.disk.marker}`));
  });
}

Deno.test({
  ...options,
  name: "sid boot: TPM2+PIN on a software TPM with systemd 262's cryptsetup: a wrong PIN, " +
    "then the right one",
}, async () => {
  const target = await prepare(SID);
  const dir = `${target.dir}/tpm2`;
  await Deno.mkdir(dir);
  const disk = await buildLuksDisk(dir, "tpm-root", PASSPHRASE);
  const tpmState = `${dir}/tpm-state`;
  {
    await using tpm = await Swtpm.forHost(tpmState, dir);
    await relaxDictionaryAttackLimits(tpm);
    await enrollTpm2WithPin(disk, PASSPHRASE, tpm, PIN);
    await tpm.stop();
  }
  const result = await boot(
    target,
    "tpm2-pin-retry",
    [...NO_PLYMOUTH, `rd.luks.options=${disk.uuid}=tpm2-device=auto`],
    [{ prompt: PIN_PROMPT, answer: WRONG_PIN }, { prompt: PIN_PROMPT, answer: PIN }],
    { disk, tpmState },
  );
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${disk.marker}`));
  // The second PIN request is the retry of the first, and askpw says so.
  assert.match(result.screens[1], /not accepted \(attempt 2\)/);
  assert.match(result.log, /^Answered \S+ from console \/dev\/ttyS0/m);
  assert.doesNotMatch(result.output, PASSPHRASE_PROMPT, "the TPM unlocked it: no passphrase asked");
});

Deno.test({
  ...options,
  name: "sid's lintian reports no error on the package",
}, async () => {
  const debPath = await buildDeb();
  // A root of its own: sid and lintian (the boot roots stay without it).
  const root = await pristineRoot(["lintian"], "sid");
  const dir = `${scratch}/lintian`;
  await Deno.mkdir(dir);
  await Deno.copyFile(debPath, `${dir}/askpw.deb`);
  // The package goes in through a bind mount: the cached root stays as it is.
  const output = await run("unshare", [
    "--mount",
    "--propagation",
    "private",
    "sh",
    "-c",
    `mount --bind "$2" "$1/mnt" && mount -t proc proc "$1/proc" &&
     chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \\
       sh -c 'dpkg-query -W lintian &&
         lintian --fail-on none --show-overrides /mnt/askpw.deb; echo "exit status: $?"'`,
    "sh",
    root,
    dir,
  ]);
  assert.match(output, /^exit status: 0$/m, output);
  const tags = output.split("\n").filter((line) => /^[EWIPXO]: /.test(line));
  console.log(`${output.split("\n")[0]}:\n${tags.join("\n") || "(no tags)"}`);
  assert.deepEqual(tags.filter((line) => line.startsWith("E: ")), []);
});

Deno.test({
  ...options,
  name: "a root that cannot be built says which suite and which package or step, in one line",
}, async () => {
  // A package the suite lacks: named with the suite, before anything is installed.
  const missing = await pristineRoot(["askpw-no-such-package"], "sid").then(
    () => "built",
    (error: Error) => error.message,
  );
  assert.match(missing, /^cannot build the sid root: sid has no package askpw-no-such-package$/);
  // A suite the mirror does not have: debootstrap's failure, named with the suite.
  const unknown = await pristineRoot([], "askpw-no-such-suite" as Suite).then(
    () => "built",
    (error: Error) => error.message,
  );
  assert.match(
    unknown,
    /^cannot build the askpw-no-such-suite root: debootstrap askpw-no-such-suite failed\n/,
  );
});
